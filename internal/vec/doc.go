// Package vec owns every hand-vectorised kernel of saelab's training and evaluation loops:
// the row combinations (AddRows, AddRowsStrided, AddRowsStrided4, AddOuter, Axpy), LaneSums,
// Adam, the standard SAE's and the toy model's 8-lane kernels (SAELanes, ToyLanes), the Gated
// and JumpReLU SAEs' d_in = 2 training kernels (GatedLanes, JumpReLULanes), the
// phase diagrams' eight-instance trainer (ToyBlock), the
// two-dimensional projection of sparse samples (ProjectD2), and the float32 matrix products
// of the synthetic-data SAEs (Gemm, GemmSparse). Its model is gonum's internal/asm:
// one package holds the fast code and its plain twins, and the rest of saelab calls it.
//
// # Convention
//
// Every kernel Foo has, in this order of files:
//
//   - foo.go (any build; a family shares one file, e.g. rows.go): the exported Foo, whose doc comment is the plain loop it must equal
//     bit for bit; it checks its arguments' bounds once and calls foo. Beside it, fooGo, the
//     plain twin: that loop, perhaps unrolled or specialised for a shape, with the same
//     operations in the same order.
//   - foo_simd.go (build tag goexperiment.simd && amd64): fooSIMD, the archsimd twin, which
//     vectorises across independent outputs (or lanes) and keeps each output's own sequence of
//     operations, so its bits are fooGo's. The float64 kernels use no fused multiply-add; the
//     float32 products (Gemm, GemmSparse) fuse every step, and their plain twins emulate the
//     fused operation exactly (FMA32), because multiply-then-add would halve their speed.
//   - dispatch_simd.go and dispatch_nosimd.go: foo, which picks the twin. The plain build
//     always calls fooGo (never a stub); the SIMD build calls fooSIMD when SIMD is true and the
//     shape fills a vector, fooGo otherwise. dispatch.go tabulates every rule, for this
//     package and for the kernel choices of sae and toymodel, with the tests that pin them;
//     dispatch_test.go checks the table names real functions and tests.
//
// Tests check each kernel against its documented loop in both builds and, in the SIMD build,
// with SIMD set false too (the plain twin); SIMD is a variable only for that.
//
// # Invariants
//
//   - Bit-identical twins: Foo gives the same bits in the plain build, in the SIMD build and
//     with SIMD off, signed zeros and infinities included; where the loop gives a NaN, so do
//     the twins (which operand's NaN payload survives is not promised).
//   - Kernels allocate nothing after their scratch exists (SAELanes, ToyLanes size theirs at
//     construction; the d_in = 2 SAE twin makes its chunk buffer, and GatedLanes and
//     JumpReLULanes's SIMD twins their scratch, on first use).
//   - GatedLanes and JumpReLULanes accumulate in sample order, as the per-sample path they
//     replace: their SIMD twins compute eight samples per block and then add each
//     accumulator's eight terms one after the other (seqLanes); a term the plain loop skips
//     is added as −0, which changes no value.
//   - After an archsimd twin the vector registers' upper halves are cleared (ClearUpper), so
//     the scalar code that follows runs at full speed.
package vec
