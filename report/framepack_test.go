package report

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"testing"
)

// animData is an animation's frames, decoded.
type animData struct {
	Frames []animFrame
}

// decodePack reads a pack (framepack.go) of frames whose cells are cells, as the page's
// script does.
func decodePack(b []byte, cells []animCell) ([]animFrame, error) {
	if len(b) < 12 {
		return nil, fmt.Errorf("pack of %d bytes has no header", len(b))
	}
	n := int(binary.LittleEndian.Uint32(b))
	nMeta := int(binary.LittleEndian.Uint32(b[4:]))
	nVals := int(binary.LittleEndian.Uint32(b[8:]))
	if len(b) != 12+nMeta+4*nVals {
		return nil, fmt.Errorf("pack of %d bytes, header says %d", len(b), 12+nMeta+4*nVals)
	}
	meta := bytes.NewReader(b[12 : 12+nMeta])
	planes := b[12+nMeta:]
	vk := 0
	uv := func() int {
		v, err := binary.ReadUvarint(meta)
		if err != nil {
			panic(err)
		}
		return int(v)
	}
	val := func() int32 {
		u := uint32(planes[vk]) | uint32(planes[nVals+vk])<<8 | uint32(planes[2*nVals+vk])<<16 | uint32(planes[3*nVals+vk])<<24
		vk++
		return int32(u>>1) ^ -int32(u&1)
	}
	frames := make([]animFrame, n)
	for t := range frames {
		f := &frames[t]
		for range cells {
			c := uv()
			p := make([]int32, 3*c)
			for k := 0; k < c; k++ {
				p[k] = int32(uv())
			}
			for k := c; k < 3*c; k++ {
				p[k] = val()
			}
			f.P = append(f.P, p)
		}
		for k := 2 * uv(); k > 0; k-- {
			f.R = append(f.R, uv())
		}
		if uv() == 1 {
			for ci, cell := range cells {
				if cell.W {
					f.L = append(f.L, nil)
					continue
				}
				l := make([]int8, len(f.P[ci])/3)
				for k := range l {
					l[k] = int8(uv())
				}
				f.L = append(f.L, l)
			}
		}
	}
	if meta.Len() != 0 || vk != nVals {
		return nil, fmt.Errorf("pack has %d meta bytes and %d values left over", meta.Len(), nVals-vk)
	}
	return frames, nil
}

// unpackB64 decodes base64(gzip(pack)).
func unpackB64(s string, cells []animCell) ([]animFrame, error) {
	z, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	return decodePack(b, cells)
}

// unpack decodes an animation's frames: the first, then the packed ones.
func unpack(t *testing.T, a *animSpec) animData {
	t.Helper()
	first, err := unpackB64(a.First, a.Cells)
	if err != nil {
		t.Fatal(err)
	}
	rest, err := unpackB64(a.Packed, a.Cells)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 1 {
		t.Fatalf("first pack holds %d frames", len(first))
	}
	return animData{Frames: append(first, rest...)}
}

// TestFramePackRoundTrip packs frames with every kind of content (points with large and
// negative coordinates, empty cells, red pairs, loss colours) and decodes them back.
func TestFramePackRoundTrip(t *testing.T) {
	cells := []animCell{{W: true}, {W: false}, {W: false}}
	want := []animFrame{
		{P: [][]int32{{0, 1, 5, -7, 2e9, -2e9}, {0, 4, 15000, -15000, 7, 8}, {}}, R: []int{0, 1}, L: [][]int8{nil, {100, 0}, {}}},
		{P: [][]int32{{}, {3, 10, -20}, {0, 0, 0, math.MaxInt32 / 2, math.MinInt32 / 2, 7}}},
	}
	var frames []frameEnc
	for _, f := range want {
		var e frameEnc
		for _, p := range f.P {
			var pts []int32
			idx := int32(-1)
			n := len(p) / 3
			for k := 0; k < n; k++ {
				idx += p[k] + 1
				pts = append(pts, idx, p[n+k], p[2*n+k])
			}
			e.appendPoints(pts)
		}
		e.meta = binary.AppendUvarint(e.meta, uint64(len(f.R)/2))
		for _, v := range f.R {
			e.meta = binary.AppendUvarint(e.meta, uint64(v))
		}
		if f.L == nil {
			e.meta = append(e.meta, 0)
		} else {
			e.meta = append(e.meta, 1)
			for _, l := range f.L[1:] {
				for _, v := range l {
					e.meta = binary.AppendUvarint(e.meta, uint64(v))
				}
			}
		}
		frames = append(frames, e)
	}
	s, err := newFramePacker(frames).pack([]int{0, 1})
	if err != nil {
		t.Fatal(err)
	}
	got, err := unpackB64(s, cells)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("round trip:\n got %v\nwant %v", got, want)
	}
	for _, v := range []int32{0, 1, -1, 2e9, -2e9, math.MaxInt32, math.MinInt32} {
		u := zigzag(v)
		if back := int32(u>>1) ^ -int32(u&1); back != v {
			t.Errorf("zigzag(%d) = %d decodes to %d", v, u, back)
		}
	}
}
