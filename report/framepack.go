package report

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
)

// The animation frames go to the page packed: the page parses and inflates far less than the
// same numbers as JSON text (the seed demo's animations: about 1.0 MB each instead of 1.5 MB).
//
// A pack holds n frames (animFrame) in three parts, after a header of three little-endian
// uint32s (n, the length of the meta part in bytes, the number V of values):
//
//   - meta: unsigned LEB128 varints, per frame: per cell its point count c and the c index gaps
//     (index − previous index − 1, the first from −1); the number of red (cell, latent) pairs
//     and the pairs; a flag (0/1) for loss colours and, if 1, per hidden-state cell (in cell
//     order, weight cells skipped) its c colours v·100;
//   - values: per frame and cell its c xs then its c ys, each round(v·1e4) zigzag-encoded
//     (2|v| or 2|v|−1 for negative v) as a uint32, stored in four byte planes: the V low
//     bytes, then the V second bytes, and so on. The high planes are nearly all zero and the
//     low ones nearly random, which deflate compresses far better than the interleaved bytes.
//
// The page decodes it in app.js (decodeFrames); framepack_test.go decodes it too.

// frameEnc is one frame's part of a pack.
type frameEnc struct {
	meta []byte
	vals []uint32
}

// size is the frame's packed size before compression.
func (f *frameEnc) size() int { return len(f.meta) + 4*len(f.vals) }

// zigzag maps an int32 to a uint32 with small magnitudes small.
func zigzag(v int32) uint32 { return uint32(v<<1) ^ uint32(v>>31) }

// encodeFrame packs record t's animation frame: the drawn points of every cell (weight cells
// from the frame's weights, hidden cells from hid), the red latents and the loss colours.
func (r *SAERun) encodeFrame(t int, cells []animCell, red [][]bool, hid *hiddenAnim, scratch []int32) (frameEnc, []int32) {
	f := &r.Frames[t]
	var e frameEnc
	hc := 0 // hidden cell index
	for _, cell := range cells {
		pts := scratch[:0]
		if cell.W {
			scratch = r.weightPoints(scratch[:0], f, cell.RowKey, cell.Inst)
			pts = scratch
		} else {
			pts = hid.pts[t][hc]
			hc++
		}
		e.appendPoints(pts)
	}
	var pairs []uint64
	if red != nil {
		S := r.DSAE
		for c, cell := range cells {
			if !cell.W {
				continue
			}
			for j := 0; j < S; j++ {
				if red[t][cell.Inst*S+j] {
					pairs = append(pairs, uint64(c), uint64(j))
				}
			}
		}
	}
	e.meta = binary.AppendUvarint(e.meta, uint64(len(pairs)/2))
	for _, v := range pairs {
		e.meta = binary.AppendUvarint(e.meta, v)
	}
	if hid.lc == nil || hc == 0 {
		e.meta = append(e.meta, 0)
		return e, scratch
	}
	e.meta = append(e.meta, 1)
	for _, lc := range hid.lc[t] {
		for _, v := range lc {
			e.meta = binary.AppendUvarint(e.meta, uint64(v))
		}
	}
	return e, scratch
}

// appendPoints appends a cell's (index, x, y) triples, index ascending: the count and the
// index gaps to the meta part, the xs then the ys to the values.
func (e *frameEnc) appendPoints(pts []int32) {
	n := len(pts) / 3
	e.meta = binary.AppendUvarint(e.meta, uint64(n))
	prev := int32(-1)
	for k := 0; k < len(pts); k += 3 {
		e.meta = binary.AppendUvarint(e.meta, uint64(pts[k]-prev-1))
		prev = pts[k]
	}
	for off := 1; off <= 2; off++ {
		for k := off; k < len(pts); k += 3 {
			e.vals = append(e.vals, zigzag(pts[k]))
		}
	}
}

// framePacker packs selections of frames, reusing its buffers and compressor.
type framePacker struct {
	frames []frameEnc
	raw    []byte
	buf    bytes.Buffer
	zw     *flate.Writer
}

func newFramePacker(frames []frameEnc) *framePacker {
	zw, _ := flate.NewWriter(nil, packLevel)
	return &framePacker{frames: frames, zw: zw}
}

// pack returns base64(gzip(the pack of the frames sel)).
func (p *framePacker) pack(sel []int) (string, error) {
	nMeta, nVals := 0, 0
	for _, t := range sel {
		nMeta += len(p.frames[t].meta)
		nVals += len(p.frames[t].vals)
	}
	if nVals > math.MaxUint32/4 || nMeta > math.MaxUint32 {
		return "", fmt.Errorf("report: animation of %d values is too large to pack", nVals)
	}
	raw := p.raw[:0]
	raw = binary.LittleEndian.AppendUint32(raw, uint32(len(sel)))
	raw = binary.LittleEndian.AppendUint32(raw, uint32(nMeta))
	raw = binary.LittleEndian.AppendUint32(raw, uint32(nVals))
	for _, t := range sel {
		raw = append(raw, p.frames[t].meta...)
	}
	for shift := 0; shift < 32; shift += 8 {
		for _, t := range sel {
			for _, v := range p.frames[t].vals {
				raw = append(raw, byte(v>>shift))
			}
		}
	}
	p.raw = raw
	p.buf.Reset()
	gw := gzipWriter(&p.buf, p.zw)
	gw.Write(raw)
	if err := gw.Close(); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(p.buf.Bytes()), nil
}

// packFrames selects the frames to fit budget bytes (see selectFrames) and returns the
// selection, the first selected frame's pack and the others' (the page draws the first at once
// and registers the rest later), and a note when frames were left out.
func packFrames(frames []frameEnc, must []bool, budget int) (sel []int, first, packed, note string, err error) {
	T := len(frames)
	p := newFramePacker(frames)
	packSel := func(sel []int) (int, error) {
		if first, err = p.pack(sel[:1]); err != nil {
			return 0, err
		}
		if packed, err = p.pack(sel[1:]); err != nil {
			return 0, err
		}
		return len(first) + len(packed), nil
	}
	all := make([]int, T)
	for t := range all {
		all[t] = t
	}
	// Everything, if it fits; else the packed size per raw byte of everything sets the costs.
	size, err := packSel(all)
	if err != nil || size <= budget {
		return all, first, packed, "", err
	}
	totalRaw := 0
	for k := range frames {
		totalRaw += frames[k].size()
	}
	ratio := float64(size) / float64(max(totalRaw, 1))
	cost := make([]float64, T)
	for t := range cost {
		cost[t] = float64(frames[t].size()) * ratio
	}
	target := float64(budget)
	for try := 0; try < 6; try++ {
		sel, note = selectFrames(cost, must, target)
		if size, err = packSel(sel); err != nil || size <= budget {
			break
		}
		target *= 0.97 * float64(budget) / float64(size)
	}
	return sel, first, packed, note, err
}

// packLevel is the animation frames' compression level: the byte planes of the values need
// LZ77 matching, not only Huffman coding (BestSpeed gives nearly all of the default level's
// gain for a fraction of its time).
const packLevel = flate.BestSpeed

// gzipWriter is a gzip stream onto w (no header fields) that compresses with zw, reset for it.
func gzipWriter(w io.Writer, zw *flate.Writer) *gzipStream {
	zw.Reset(w)
	g := &gzipStream{w: w, zw: zw, crc: crc32.NewIEEE()}
	// ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL=0 OS=unknown
	g.err = writeAll(w, []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255})
	return g
}

// gzipStream is compress/gzip's writer with a reusable flate.Writer (gzip.Writer allocates a
// new compressor, ~1 MB, for every stream).
type gzipStream struct {
	w    io.Writer
	zw   *flate.Writer
	crc  hash.Hash32
	size uint32
	err  error
}

func (g *gzipStream) Write(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	g.crc.Write(p)
	g.size += uint32(len(p))
	n, err := g.zw.Write(p)
	g.err = err
	return n, err
}

func (g *gzipStream) Close() error {
	if g.err != nil {
		return g.err
	}
	if err := g.zw.Close(); err != nil {
		return err
	}
	var tail [8]byte
	binary.LittleEndian.PutUint32(tail[:4], g.crc.Sum32())
	binary.LittleEndian.PutUint32(tail[4:], g.size)
	return writeAll(g.w, tail[:])
}

func writeAll(w io.Writer, b []byte) error {
	_, err := w.Write(b)
	return err
}
