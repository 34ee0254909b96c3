package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// Tensor is one named tensor of a safetensors file. Data is row-major and holds
// product(Shape) values (1 for a scalar, Shape == nil or empty).
//
// Dtype is the on-disk element type: "" or DtypeF32 (the default), DtypeF64, DtypeF16,
// DtypeBF16, DtypeI32 or DtypeI64. Integer dtypes require integer-valued Data. Reading sets Dtype
// to the dtype found in the file.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float64
	Dtype string

	// parts32, when not nil, holds the values instead of Data: float32 pieces, concatenated in
	// order (the data log's per-sample tensors, written without a copy and read as float32).
	parts32 [][]float32
}

// size returns the number of values the tensor holds.
func (t *Tensor) size() int {
	if t.parts32 == nil {
		return len(t.Data)
	}
	n := 0
	for _, p := range t.parts32 {
		n += len(p)
	}
	return n
}

// The dtypes this package reads and writes (the safetensors names).
const (
	DtypeF16  = "F16"
	DtypeBF16 = "BF16"
	DtypeF32  = "F32"
	DtypeF64  = "F64"
	DtypeI32  = "I32"
	DtypeI64  = "I64"
	// DtypeBool is read (as 0 and 1) but never written: SAELens checkpoints may hold BOOL
	// flags next to the weights.
	DtypeBool = "BOOL"
)

// dtypeSizes maps each supported dtype to its element size in bytes.
var dtypeSizes = map[string]int{
	DtypeF16: 2, DtypeBF16: 2, DtypeF32: 4, DtypeF64: 8, DtypeI32: 4, DtypeI64: 8,
}

const (
	// maxHeaderLen bounds the JSON header, as the reference implementation does (100 MB).
	maxHeaderLen = 100_000_000
	metadataKey  = "__metadata__"
	// maxExactInt is 2^53: integers beyond it do not all fit a float64.
	maxExactInt = 1 << 53
)

func supportedDtypes() string { return "F16, BF16, F32, F64, I32, I64" }

// FindTensor returns the tensor called name.
func FindTensor(tensors []Tensor, name string) (Tensor, bool) {
	for _, t := range tensors {
		if t.Name == name {
			return t, true
		}
	}
	return Tensor{}, false
}

// WriteSafetensors writes tensors and metadata to path atomically (see EncodeSafetensors).
func WriteSafetensors(path string, tensors []Tensor, metadata map[string]string) error {
	p, err := planSafetensors(tensors, metadata)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return WriteAtomic(path, p.write)
}

// StageSafetensors is WriteSafetensors in two steps (see StageAtomic): the file is written,
// and is in place once the returned Staged is committed.
func StageSafetensors(path string, tensors []Tensor, metadata map[string]string) (*Staged, error) {
	p, err := planSafetensors(tensors, metadata)
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return StageAtomic(path, p.write)
}

// MaxFileBytes bounds the files this package reads whole (safetensors, data logs, summaries):
// a larger file is refused before it is read.
const MaxFileBytes = 4 << 30

// readBounded reads a regular file of at most MaxFileBytes.
func readBounded(path string) ([]byte, error) { return readLimit(path, MaxFileBytes) }

// readLimit reads a regular file of at most limit bytes, refusing a larger one unread.
func readLimit(path string, limit int64) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, cleanPathError(err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file")
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("the file is %d bytes; at most %d are read", st.Size(), limit)
	}
	data, err := os.ReadFile(path)
	return data, cleanPathError(err)
}

// ReadSafetensors reads and strictly validates a safetensors file (see DecodeSafetensors).
func ReadSafetensors(path string) ([]Tensor, map[string]string, error) {
	data, err := readBounded(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	ts, md, err := DecodeSafetensors(data)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	return ts, md, nil
}

// EncodeSafetensors returns the safetensors encoding of tensors and metadata:
// an 8-byte little-endian header length N, N bytes of JSON header
// ({"__metadata__": {...}, name: {"dtype", "shape", "data_offsets"}, ...}, padded with spaces so
// that N is a multiple of 8), then the little-endian data.
//
// Tensors are laid out by element size, largest first, then by name, as the reference
// implementation does, so every tensor is aligned to its element size; with a single dtype this
// is plain sorted-name order. __metadata__ is omitted when metadata is empty.
//
// Errors: empty, duplicate, reserved ("__metadata__") or non-UTF-8 names; negative dimensions;
// len(Data) != product(Shape); unknown dtypes; a finite value that overflows the dtype (F32, F16,
// BF16); a non-integer or out-of-range value for I32/I64. NaN and ±Inf are stored as such in the
// float dtypes.
func EncodeSafetensors(tensors []Tensor, metadata map[string]string) ([]byte, error) {
	p, err := planSafetensors(tensors, metadata)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(8 + len(p.header) + int(p.dataLen))
	if err := p.write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// stPlan is a safetensors file about to be written: its padded JSON header and its tensors in
// file order (largest dtype first, then by name, so every tensor's data stays aligned).
type stPlan struct {
	header  []byte // padded JSON
	order   []*Tensor
	dtypes  []string
	dataLen int64
}

// planSafetensors validates the tensors and metadata and lays out the file.
func planSafetensors(tensors []Tensor, metadata map[string]string) (*stPlan, error) {
	p := &stPlan{}
	seen := make(map[string]bool, len(tensors))
	for i := range tensors {
		t := &tensors[i]
		dt, err := checkTensor(i, t, seen)
		if err != nil {
			return nil, err
		}
		p.order = append(p.order, t)
		p.dtypes = append(p.dtypes, dt)
	}
	for k, v := range metadata {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return nil, fmt.Errorf("safetensors: metadata key %q: key or value is not valid UTF-8", k)
		}
	}
	p.sort()
	return p, p.writeHeader(metadata)
}

// checkTensor validates tensor i (name, shape against its data, dtype) and returns its dtype.
func checkTensor(i int, t *Tensor, seen map[string]bool) (string, error) {
	switch {
	case t.Name == "":
		return "", fmt.Errorf("safetensors: tensor %d: empty name", i)
	case t.Name == metadataKey:
		return "", fmt.Errorf("safetensors: tensor %d: name %q is reserved", i, t.Name)
	case !utf8.ValidString(t.Name):
		return "", fmt.Errorf("safetensors: tensor %d: name %q is not valid UTF-8", i, t.Name)
	case seen[t.Name]:
		return "", fmt.Errorf("safetensors: tensor %q: duplicate name", t.Name)
	}
	seen[t.Name] = true
	n := 1
	for _, d := range t.Shape {
		if d < 0 {
			return "", fmt.Errorf("safetensors: tensor %q: field shape %v has a negative dimension", t.Name, t.Shape)
		}
		if d != 0 && n > math.MaxInt/d {
			return "", fmt.Errorf("safetensors: tensor %q: field shape %v is too large", t.Name, t.Shape)
		}
		n *= d
	}
	if got := t.size(); got != n {
		return "", fmt.Errorf("safetensors: tensor %q: shape %v holds %d values but Data has %d", t.Name, t.Shape, n, got)
	}
	dt := t.Dtype
	if dt == "" {
		dt = DtypeF32
	}
	if _, ok := dtypeSizes[dt]; !ok {
		return "", fmt.Errorf("safetensors: tensor %q: unsupported dtype %q (supported: %s)", t.Name, t.Dtype, supportedDtypes())
	}
	return dt, nil
}

// sort puts the tensors in file order: larger dtypes first, then by name.
func (p *stPlan) sort() {
	idx := make([]int, len(p.order))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		sa, sb := dtypeSizes[p.dtypes[idx[a]]], dtypeSizes[p.dtypes[idx[b]]]
		if sa != sb {
			return sa > sb
		}
		return p.order[idx[a]].Name < p.order[idx[b]].Name
	})
	order := make([]*Tensor, len(idx))
	dts := make([]string, len(idx))
	for i, j := range idx {
		order[i], dts[i] = p.order[j], p.dtypes[j]
	}
	p.order, p.dtypes = order, dts
}

// writeHeader builds the JSON header with each tensor's offsets, padded to 8 bytes.
func (p *stPlan) writeHeader(metadata map[string]string) error {
	var h bytes.Buffer
	h.WriteByte('{')
	first := true
	if len(metadata) > 0 {
		mb, err := marshalNoEscape(metadata)
		if err != nil {
			return fmt.Errorf("safetensors: field __metadata__: %w", err)
		}
		h.WriteString(`"__metadata__":`)
		h.Write(mb)
		first = false
	}
	var off int64
	for i, t := range p.order {
		if !first {
			h.WriteByte(',')
		}
		first = false
		nb, err := marshalNoEscape(t.Name)
		if err != nil {
			return fmt.Errorf("safetensors: tensor %q: %w", t.Name, err)
		}
		h.Write(nb)
		size := int64(t.size()) * int64(dtypeSizes[p.dtypes[i]])
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		sb, _ := json.Marshal(shape)
		fmt.Fprintf(&h, `:{"dtype":"%s","shape":%s,"data_offsets":[%d,%d]}`, p.dtypes[i], sb, off, off+size)
		off += size
	}
	h.WriteByte('}')
	for h.Len()%8 != 0 {
		h.WriteByte(' ')
	}
	p.header = h.Bytes()
	p.dataLen = off
	return nil
}

// marshalNoEscape is JSON without HTML escaping (safetensors headers are plain JSON).
func marshalNoEscape(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

func (p *stPlan) write(w io.Writer) error {
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(len(p.header)))
	if _, err := w.Write(lenBuf[:]); err != nil {
		return err
	}
	if _, err := w.Write(p.header); err != nil {
		return err
	}
	chunk := make([]byte, 0, 1<<16)
	flush := func(need int) error {
		if len(chunk)+need <= cap(chunk) {
			return nil
		}
		_, err := w.Write(chunk)
		chunk = chunk[:0]
		return err
	}
	for i, t := range p.order {
		dt := p.dtypes[i]
		size := dtypeSizes[dt]
		if t.parts32 != nil {
			k := 0 // element index for errors
			for _, part := range t.parts32 {
				for len(part) > 0 {
					if err := flush(size * min(len(part), 4096)); err != nil {
						return err
					}
					n := min(len(part), (cap(chunk)-len(chunk))/size)
					var bad int
					var err error
					if chunk, bad, err = appendElems32(chunk, dt, part[:n]); err != nil {
						return fmt.Errorf("safetensors: tensor %q: element %d: %w", t.Name, k+bad, err)
					}
					part, k = part[n:], k+n
				}
			}
			continue
		}
		for k, x := range t.Data {
			if err := flush(size); err != nil {
				return err
			}
			var err error
			chunk, err = appendElem(chunk, dt, x)
			if err != nil {
				return fmt.Errorf("safetensors: tensor %q: element %d: %w", t.Name, k, err)
			}
		}
	}
	if len(chunk) > 0 {
		if _, err := w.Write(chunk); err != nil {
			return err
		}
	}
	return nil
}

// appendElems32 appends float32 values in dtype dt; on an error it also returns the index of
// the offending value. F32 and F16 have fast paths; the rest go through appendElem.
func appendElems32(b []byte, dt string, v []float32) ([]byte, int, error) {
	switch dt {
	case DtypeF32:
		for _, x := range v {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
		}
		return b, 0, nil
	case DtypeF16:
		n := len(b)
		b = slices.Grow(b, 2*len(v))[:n+2*len(v)]
		out := b[n:]
		for k, x := range v {
			u, ok := f16FromF32(x)
			if !ok {
				return b[:n+2*k], k, fmt.Errorf("value %g overflows %s", x, dt)
			}
			binary.LittleEndian.PutUint16(out[2*k:], u)
		}
		return b, 0, nil
	}
	for k, x := range v {
		var err error
		if b, err = appendElem(b, dt, float64(x)); err != nil {
			return b, k, err
		}
	}
	return b, 0, nil
}

func appendElem(b []byte, dt string, x float64) ([]byte, error) {
	switch dt {
	case DtypeF32:
		f := float32(x)
		if math.IsInf(float64(f), 0) && !math.IsInf(x, 0) {
			return b, fmt.Errorf("value %g overflows F32", x)
		}
		return binary.LittleEndian.AppendUint32(b, math.Float32bits(f)), nil
	case DtypeF64:
		return binary.LittleEndian.AppendUint64(b, math.Float64bits(x)), nil
	case DtypeF16, DtypeBF16:
		m := formatF16
		if dt == DtypeBF16 {
			m = formatBF16
		}
		u, ok := m.encode(x)
		if !ok {
			return b, fmt.Errorf("value %g overflows %s", x, dt)
		}
		return binary.LittleEndian.AppendUint16(b, u), nil
	case DtypeI32:
		if x != math.Trunc(x) || x < math.MinInt32 || x > math.MaxInt32 {
			return b, fmt.Errorf("value %g is not an I32 integer", x)
		}
		return binary.LittleEndian.AppendUint32(b, uint32(int32(x))), nil
	case DtypeI64:
		// 2^63 is exactly representable and is out of range; -2^63 is in range.
		if x != math.Trunc(x) || x < -(1<<63) || x >= 1<<63 {
			return b, fmt.Errorf("value %g is not an I64 integer", x)
		}
		return binary.LittleEndian.AppendUint64(b, uint64(int64(x))), nil
	}
	return b, fmt.Errorf("unsupported dtype %q", dt)
}

type rawEntry struct {
	Dtype       *string   `json:"dtype"`
	Shape       *[]int64  `json:"shape"`
	DataOffsets *[]uint64 `json:"data_offsets"`
}

type stEntry struct {
	name       string
	dtype      string
	shape      []int
	n          int
	begin, end uint64
}

// DecodeSafetensors parses a safetensors encoding with strict validation and returns the tensors
// sorted by name, and the metadata (nil when the file has none). It checks: the 8-byte length
// field and the header bound (≤ 100 MB and within the input); that the header is UTF-8 JSON, one
// object, followed only by whitespace; duplicate keys; each tensor's dtype (supported), shape
// (non-negative; BOOL is read as 0 and 1) and data_offsets (two values, begin ≤ end); that product(shape) × dtype size
// equals end − begin; that the tensors tile the data section exactly (no gap, no overlap, nothing
// after the last tensor); and, for I64, that values fit a float64 exactly. It never panics.
func DecodeSafetensors(data []byte) ([]Tensor, map[string]string, error) {
	return decodeSafetensors(data, nil)
}

// decodeSafetensors is DecodeSafetensors; the float tensors for which as32(name) is true are
// decoded as float32 into parts32 (one piece) instead of Data.
func decodeSafetensors(data []byte, as32 func(name string) bool) ([]Tensor, map[string]string, error) {
	if len(data) < 8 {
		return nil, nil, fmt.Errorf("safetensors: input is %d bytes, shorter than the 8-byte header length field", len(data))
	}
	hlen := binary.LittleEndian.Uint64(data[:8])
	rest := uint64(len(data) - 8)
	if hlen > maxHeaderLen {
		return nil, nil, fmt.Errorf("safetensors: header length %d exceeds the limit of %d bytes", hlen, maxHeaderLen)
	}
	if hlen > rest {
		return nil, nil, fmt.Errorf("safetensors: header length %d exceeds the %d bytes after the length field (truncated file?)", hlen, rest)
	}
	if hlen == 0 {
		return nil, nil, errors.New("safetensors: header length is 0")
	}
	header := data[8 : 8+hlen]
	body := data[8+hlen:]
	if header[0] != '{' {
		return nil, nil, fmt.Errorf("safetensors: header does not start with '{' (first byte 0x%02x)", header[0])
	}
	if !utf8.Valid(header) {
		return nil, nil, errors.New("safetensors: header is not valid UTF-8")
	}

	entries, metadata, err := parseHeader(header, len(body))
	if err != nil {
		return nil, nil, err
	}

	// The tensors must tile the data section exactly.
	byOffset := make([]*stEntry, len(entries))
	for i := range entries {
		byOffset[i] = &entries[i]
	}
	sort.Slice(byOffset, func(a, b int) bool {
		ea, eb := byOffset[a], byOffset[b]
		if ea.begin != eb.begin {
			return ea.begin < eb.begin
		}
		if ea.end != eb.end {
			return ea.end < eb.end
		}
		return ea.name < eb.name
	})
	var next uint64
	prev := ""
	for _, e := range byOffset {
		switch {
		case e.begin < next:
			return nil, nil, fmt.Errorf("safetensors: tensor %q: field data_offsets [%d,%d] overlaps tensor %q (which ends at %d)", e.name, e.begin, e.end, prev, next)
		case e.begin > next:
			return nil, nil, fmt.Errorf("safetensors: tensor %q: field data_offsets [%d,%d] leaves a gap of %d bytes after offset %d", e.name, e.begin, e.end, e.begin-next, next)
		}
		next = e.end
		prev = e.name
	}
	if next != uint64(len(body)) {
		return nil, nil, fmt.Errorf("safetensors: the tensors cover %d bytes but the data section has %d bytes", next, len(body))
	}

	sort.Slice(entries, func(a, b int) bool { return entries[a].name < entries[b].name })
	out := make([]Tensor, len(entries))
	for i, e := range entries {
		if as32 != nil && isFloatDtype(e.dtype) && as32(e.name) {
			out[i] = Tensor{Name: e.name, Shape: e.shape, Dtype: e.dtype,
				parts32: [][]float32{decodeElems32(body[e.begin:e.end], e.dtype, e.n)}}
			continue
		}
		vals, err := decodeElems(body[e.begin:e.end], e.dtype, e.n)
		if err != nil {
			return nil, nil, fmt.Errorf("safetensors: tensor %q: %w", e.name, err)
		}
		out[i] = Tensor{Name: e.name, Shape: e.shape, Data: vals, Dtype: e.dtype}
	}
	return out, metadata, nil
}

func parseHeader(header []byte, bodyLen int) ([]stEntry, map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(header))
	tok, err := dec.Token()
	if err != nil {
		return nil, nil, fmt.Errorf("safetensors: header JSON: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, nil, errors.New("safetensors: header JSON is not an object")
	}
	var entries []stEntry
	var metadata map[string]string
	seen := make(map[string]bool)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, fmt.Errorf("safetensors: header JSON: %w", err)
		}
		name, ok := tok.(string)
		if !ok {
			return nil, nil, fmt.Errorf("safetensors: header JSON: unexpected token %v", tok)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, fmt.Errorf("safetensors: header JSON: key %q: %w", name, err)
		}
		if seen[name] {
			return nil, nil, fmt.Errorf("safetensors: header: duplicate key %q", name)
		}
		seen[name] = true
		if name == metadataKey {
			if err := json.Unmarshal(raw, &metadata); err != nil {
				return nil, nil, fmt.Errorf("safetensors: field __metadata__: must be an object of strings: %w", err)
			}
			continue
		}
		e, err := parseEntry(name, raw, bodyLen)
		if err != nil {
			return nil, nil, err
		}
		entries = append(entries, e)
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, nil, fmt.Errorf("safetensors: header JSON: %w", err)
	}
	if trailing := bytes.TrimLeft(header[dec.InputOffset():], " \t\r\n"); len(trailing) > 0 {
		return nil, nil, fmt.Errorf("safetensors: header JSON: %d unexpected bytes after the object", len(trailing))
	}
	return entries, metadata, nil
}

func parseEntry(name string, raw json.RawMessage, bodyLen int) (stEntry, error) {
	e := stEntry{name: name}
	if name == "" {
		return e, errors.New("safetensors: tensor with an empty name")
	}
	var r rawEntry
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(&r); err != nil {
		return e, fmt.Errorf("safetensors: tensor %q: %w", name, err)
	}
	if r.Dtype == nil {
		return e, fmt.Errorf("safetensors: tensor %q: missing field dtype", name)
	}
	if r.Shape == nil {
		return e, fmt.Errorf("safetensors: tensor %q: missing field shape", name)
	}
	if r.DataOffsets == nil {
		return e, fmt.Errorf("safetensors: tensor %q: missing field data_offsets", name)
	}
	size, ok := dtypeSizes[*r.Dtype]
	if !ok && *r.Dtype == DtypeBool {
		size, ok = 1, true
	}
	if !ok {
		return e, fmt.Errorf("safetensors: tensor %q: field dtype: unsupported dtype %q (supported: %s)", name, *r.Dtype, supportedDtypes())
	}
	e.dtype = *r.Dtype
	offs := *r.DataOffsets
	if len(offs) != 2 {
		return e, fmt.Errorf("safetensors: tensor %q: field data_offsets has %d values, want 2", name, len(offs))
	}
	e.begin, e.end = offs[0], offs[1]
	if e.begin > e.end {
		return e, fmt.Errorf("safetensors: tensor %q: field data_offsets [%d,%d] has begin > end", name, e.begin, e.end)
	}
	if e.end > uint64(bodyLen) {
		return e, fmt.Errorf("safetensors: tensor %q: field data_offsets [%d,%d] runs past the %d-byte data section (truncated file?)", name, e.begin, e.end, bodyLen)
	}
	// Elements are bounded by the data section, so the product cannot overflow unchecked.
	maxElems := uint64(bodyLen)
	n := uint64(1)
	e.shape = make([]int, len(*r.Shape))
	zero := false
	for i, dim := range *r.Shape {
		if dim < 0 {
			return e, fmt.Errorf("safetensors: tensor %q: field shape %v has a negative dimension", name, *r.Shape)
		}
		e.shape[i] = int(dim)
		if dim == 0 {
			zero = true
		}
	}
	if zero {
		n = 0
	} else {
		for _, dim := range *r.Shape {
			if uint64(dim) > maxElems || n > maxElems/uint64(dim) {
				return e, fmt.Errorf("safetensors: tensor %q: field shape %v needs more bytes than the %d-byte data section", name, *r.Shape, bodyLen)
			}
			n *= uint64(dim)
		}
	}
	if n*uint64(size) != e.end-e.begin {
		return e, fmt.Errorf("safetensors: tensor %q: shape %v × %s (%d bytes) needs %d bytes but field data_offsets [%d,%d] spans %d",
			name, *r.Shape, e.dtype, size, n*uint64(size), e.begin, e.end, e.end-e.begin)
	}
	e.n = int(n)
	return e, nil
}

func isFloatDtype(dt string) bool {
	return dt == DtypeF16 || dt == DtypeBF16 || dt == DtypeF32 || dt == DtypeF64
}

// decodeElems32 decodes n values of a float dtype as float32 (F64 is rounded to float32).
func decodeElems32(b []byte, dt string, n int) []float32 {
	out := make([]float32, n)
	switch dt {
	case DtypeF32:
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
	case DtypeF16:
		t := f16Table()
		b = b[:2*n]
		for i := range out {
			out[i] = t[uint16(b[2*i])|uint16(b[2*i+1])<<8]
		}
	case DtypeBF16:
		for i := range out {
			out[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(b[2*i:])) << 16)
		}
	case DtypeF64:
		for i := range out {
			out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:])))
		}
	}
	return out
}

func decodeElems(b []byte, dt string, n int) ([]float64, error) {
	out := make([]float64, n)
	switch dt {
	case DtypeF32:
		for i := range out {
			out[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])))
		}
	case DtypeF64:
		for i := range out {
			out[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
		}
	case DtypeF16, DtypeBF16:
		m := formatF16
		if dt == DtypeBF16 {
			m = formatBF16
		}
		for i := range out {
			out[i] = m.decode(binary.LittleEndian.Uint16(b[2*i:]))
		}
	case DtypeI32:
		for i := range out {
			out[i] = float64(int32(binary.LittleEndian.Uint32(b[4*i:])))
		}
	case DtypeBool:
		for i := range out {
			if b[i] > 1 {
				return nil, fmt.Errorf("BOOL element %d = %d: must be 0 or 1", i, b[i])
			}
			out[i] = float64(b[i])
		}
	case DtypeI64:
		for i := range out {
			v := int64(binary.LittleEndian.Uint64(b[8*i:]))
			if v > maxExactInt || v < -maxExactInt {
				return nil, fmt.Errorf("I64 element %d = %d does not fit a float64 exactly", i, v)
			}
			out[i] = float64(v)
		}
	default:
		return nil, fmt.Errorf("unsupported dtype %q", dt)
	}
	return out, nil
}

// miniFormat is a 16-bit IEEE-style binary float: F16 (5 exponent, 10 mantissa bits) or BF16
// (8 exponent, 7 mantissa bits).
type miniFormat struct {
	mant, bias int
}

var (
	formatF16  = miniFormat{mant: 10, bias: 15}
	formatBF16 = miniFormat{mant: 7, bias: 127}
)

// encode rounds x to nearest-even directly from float64 (no double rounding). ok is false when
// a finite x overflows to infinity.
func (m miniFormat) encode(x float64) (bits uint16, ok bool) {
	var sign uint16
	if math.Signbit(x) {
		sign = 0x8000
	}
	expAll := uint16(2*m.bias + 1)
	switch {
	case math.IsNaN(x):
		return sign | expAll<<m.mant | 1<<(m.mant-1), true
	case math.IsInf(x, 0):
		return sign | expAll<<m.mant, true
	case x == 0:
		return sign, true
	}
	a := math.Abs(x)
	_, e2 := math.Frexp(a)
	e := e2 - 1 // a in [2^e, 2^(e+1))
	minE := 1 - m.bias
	if e < minE {
		// Subnormal: units of 2^(minE-mant). A result of 2^mant is the smallest normal, whose bit
		// pattern is the same number.
		r := math.RoundToEven(math.Ldexp(a, m.mant-minE))
		return sign | uint16(r), true
	}
	r := math.RoundToEven(math.Ldexp(a, m.mant-e)) // in [2^mant, 2^(mant+1)]
	if r == float64(uint(1)<<(m.mant+1)) {
		e++
		r /= 2
	}
	if e > m.bias {
		return sign | expAll<<m.mant, false
	}
	return sign | uint16(e+m.bias)<<m.mant | (uint16(r) - 1<<m.mant), true
}

func (m miniFormat) decode(b uint16) float64 {
	sign := 1.0
	if b&0x8000 != 0 {
		sign = -1
	}
	expAll := 2*m.bias + 1
	e := int(b>>m.mant) & expAll
	f := int(b) & (1<<m.mant - 1)
	switch e {
	case 0:
		return sign * math.Ldexp(float64(f), 1-m.bias-m.mant)
	case expAll:
		if f == 0 {
			return math.Inf(int(sign))
		}
		return math.NaN()
	}
	return sign * math.Ldexp(float64(f|1<<m.mant), e-m.bias-m.mant)
}

// describeShape formats a shape for error messages.
func describeShape(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = fmt.Sprint(d)
	}
	return "[" + strings.Join(parts, ",") + "]"
}
