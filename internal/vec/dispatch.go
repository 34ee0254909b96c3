package vec

// Dispatch table: which implementation runs, for every hot path of saelab's training and
// evaluation, by build and shape, and the tests that pin it to its plain loop. Within a path
// the first matching row wins. "SIMD" means the build has GOEXPERIMENT=simd on amd64 and the
// machine has AVX-512 (the variable SIMD); the plain build, and a SIMD build without AVX-512,
// take the rows without it. Every row of a path gives the same bits. dispatch_test.go checks
// that each function and test named here exists.
//
//	path                      when                                       runs                           pinned by
//	vec.AddRows               SIMD                                       vec.addRowsSIMD                vec.TestKernelsMatchPlainLoops
//	vec.AddRows               otherwise                                  vec.addRowsGo                  vec.TestKernelsMatchPlainLoops
//	vec.AddRowsStrided        SIMD                                       vec.addRowsStridedSIMD         vec.TestKernelsMatchPlainLoops
//	vec.AddRowsStrided        otherwise                                  vec.addRowsStridedGo           vec.TestKernelsMatchPlainLoops
//	vec.AddRowsStrided4       SIMD                                       vec.addRowsStrided4SIMD        vec.TestKernelsMatchPlainLoops
//	vec.AddRowsStrided4       otherwise                                  vec.addRowsStrided4Go          vec.TestKernelsMatchPlainLoops
//	vec.AddOuter              SIMD, row length ≥ 8                       vec.addOuterSIMD               vec.TestKernelsMatchPlainLoops
//	vec.AddOuter              otherwise                                  vec.addOuterGo                 vec.TestKernelsMatchPlainLoops
//	vec.Axpy                  SIMD                                       vec.axpySIMD                   vec.TestKernelsMatchPlainLoops
//	vec.Axpy                  otherwise                                  vec.axpyGo                     vec.TestKernelsMatchPlainLoops
//	vec.LaneSums              SIMD, ≥ 8 accumulators                     vec.laneSumsSIMD               vec.TestLaneSums
//	vec.LaneSums              otherwise                                  vec.laneSumsGo                 vec.TestLaneSums
//	vec.Adam                  SIMD, ≥ 8 parameters                       vec.adamSIMD                   vec.TestAdamMatchesLoop
//	vec.Adam                  otherwise                                  vec.adamGo                     vec.TestAdamMatchesLoop
//	vec.SAELanes.Run          SIMD, d_in = 2                             vec.saeLanes2SIMD              vec.TestSAELanesTwins, sae.TestStandardLanesChunksAndDeadLatents
//	vec.SAELanes.Run          SIMD                                       vec.saeLanesSIMD               vec.TestSAELanesTwins, sae.TestStandardLanesMatchReferenceBits
//	vec.SAELanes.Run          d_in = 2                                   vec.saeLanes2Go                vec.TestSAELanesTwins, sae.TestStandardLanesChunksAndDeadLatents
//	vec.SAELanes.Run          otherwise                                  vec.saeLanesGo                 vec.TestSAELanesTwins, sae.TestStandardLanesMatchReferenceBits
//	vec.ToyLanes.Run          SIMD, d_hidden = 2                         vec.toyLanes2SIMD              vec.TestToyLanesTwins, toymodel.TestLossGradMatchesReferenceBits
//	vec.ToyLanes.Run          SIMD                                       vec.toyLanesSIMD               vec.TestToyLanesTwins, toymodel.TestLossGradMatchesReferenceBits
//	vec.ToyLanes.Run          otherwise (tests only: see the toy model)  vec.toyLanesGo                 vec.TestToyLanesTwins
//	vec.ProjectD2             SIMD, F ≤ 8, positions < 2³¹               vec.projectD2SIMD              vec.TestProjectD2Twins, sae.TestDrawHiddenSoAMatchesDrawHidden
//	vec.ProjectD2             otherwise                                  vec.projectD2Go                vec.TestProjectD2Twins, sae.TestDrawHiddenSoAMatchesDrawHidden
//	vec.GatedLanes.Run        SIMD                                       vec.gatedLanesSIMD             vec.TestGatedLanesTwins, sae.TestLaneBatchesMatchPerSample
//	vec.GatedLanes.Run        otherwise                                  vec.gatedLanesGo               vec.TestGatedLanesTwins, sae.TestLaneBatchesMatchPerSample
//	vec.JumpReLULanes.Run     SIMD                                       vec.jumpReLULanesSIMD          vec.TestJumpReLULanesTwins, sae.TestLaneBatchesMatchPerSample
//	vec.JumpReLULanes.Run     otherwise                                  vec.jumpReLULanesGo            vec.TestJumpReLULanesTwins, sae.TestLaneBatchesMatchPerSample
//	vec.ToyBlock.Run          SIMD, H = 1 and F = 2                      vec.toyBlock12SIMD             vec.TestToyBlockTwins, phase.TestKernelMatchesToyModel
//	vec.ToyBlock.Run          SIMD, H = 2 and F = 3                      vec.toyBlock23SIMD             vec.TestToyBlockTwins, phase.TestKernelMatchesToyModel
//	vec.ToyBlock.Run          H = 1 and F = 2                            vec.toyBlock12Go               vec.TestToyBlockUnrolledTwins
//	vec.ToyBlock.Run          H = 2 and F = 3                            vec.toyBlock23Go               vec.TestToyBlockUnrolledTwins
//	vec.ToyBlock.Run          otherwise                                  vec.toyBlockGo                 vec.TestToyBlockTwins, phase.TestKernelGradientFiniteDifferences
//	vec.Gemm                  SIMD, the columns below n rounded to 16     vec.gemmTile                   vec.TestGemmEqualsPlainLoop, vec.TestGemmHardCasesMatchFMA32
//	vec.Gemm                  otherwise (and the last n mod 16 columns)  vec.gemmGo                     vec.TestGemmEqualsPlainLoop, vec.TestGemmFloat64Bound
//	vec.MulAddRows            SIMD, n ≥ 8, whole 8-column vectors        vec.mulAddRowsSIMD             vec.TestMulAddRowsEqualsPlainLoop, toymodel.TestLossGradMatchesReferenceBits
//	vec.MulAddRows            otherwise: tests, the SIMD twin's edges    vec.mulAddRowsGo               vec.TestMulAddRowsEqualsPlainLoop
//	vec.AddOuterPairs         SIMD, n ≥ 8, m ≥ 2, whole vectors          vec.addOuterPairsSIMD          vec.TestAddOuterPairsEqualsPlainLoop, toymodel.TestLossGradMatchesReferenceBits
//	vec.AddOuterPairs         otherwise: tests, the SIMD twin's edges    vec.addOuterPairsGo            vec.TestAddOuterPairsEqualsPlainLoop
//	vec.ToyDelta              SIMD, whole vectors                        vec.toyDeltaSIMD               vec.TestToyDeltaEqualsPlainLoop
//	vec.ToyDelta              otherwise: tests, the SIMD twin's edges    vec.toyDeltaGo                 vec.TestToyDeltaEqualsPlainLoop
//	vec.GemmSparse            SIMD                                       vec.gemmSparseRows             vec.TestGemmSparseEqualsPlainLoop
//	vec.GemmSparse            otherwise                                  vec.gemmSparseGo               vec.TestGemmSparseEqualsPlainLoop
//	standard SAE batch        the all-zero samples, once, weighted       sae.SAE.standardSample         sae.TestStandardLanesMatchReferenceBits, sae.TestStandardLargeMatchesSequentialBits
//	standard SAE batch        d_in·d_sae ≤ 64: lanes                     vec.SAELanes.Run               sae.TestStandardLanesMatchReferenceBits, sae.TestTrainSameBitsWithPlainKernels
//	standard SAE batch        d_in·d_sae > 64: over latents              sae.SAE.largeBatch             sae.TestStandardLargeMatchesSequentialBits
//	standard SAE inference    any (Forward, data log, resampling)        sae.SAE.standardSample         sae.TestWorkedExample, sae.TestGoldenStandardSAE
//	gated SAE batch           the all-zero samples, once, weighted       sae.gatedArch.sample           sae.TestLaneBatchesMatchPerSample, sae.TestGoldenGated
//	gated SAE batch           d_in = 2, d_in·d_sae ≤ 64: lanes           vec.GatedLanes.Run             sae.TestLaneBatchesMatchPerSample, sae.TestLaneTrainingMatchesPerSample
//	jumprelu SAE batch        the all-zero samples, once, weighted       sae.jumpReLUArch.sample        sae.TestLaneBatchesMatchPerSample, sae.TestGoldenJumpReLU
//	jumprelu SAE batch        d_in = 2, d_in·d_sae ≤ 64: lanes           vec.JumpReLULanes.Run          sae.TestLaneBatchesMatchPerSample, sae.TestLaneTrainingMatchesPerSample
//	other SAE batches         gated, jumprelu otherwise; topk            sae.SAE.perSampleBatch         sae.TestGoldenGated, sae.TestGoldenJumpReLU, sae.TestGoldenTopK
//	other SAE batches         batchtopk, matryoshka                      sae.SAE.batchTopK              sae.TestGoldenBatchTopK, sae.TestBatchTopKSelectionBruteForce, sae.TestMatryoshkaTerms
//	toy model batch           the all-zero samples, once, weighted       toymodel.Model.lossGrad        toymodel.TestLossGradMatchesReferenceBits
//	toy model batch           lanes shape, gradient, SIMD                vec.ToyLanes.Run               toymodel.TestLossGradMatchesReferenceBits, toymodel.TestTrainSameBitsWithPlainKernels
//	toy model batch           lanes shape, gradient, d_hidden = 2        toymodel.lanesKernelH2         toymodel.TestLossGradMatchesReferenceBits
//	toy model batch           lanes shape, gradient                      toymodel.lanesKernel           toymodel.TestLossGradMatchesReferenceBits
//	toy model batch           large shape, SIMD: in chunks of samples    toymodel.Model.lossGradLarge   toymodel.TestLossGradMatchesReferenceBits, toymodel.TestTrainSameBitsWithPlainKernels
//	toy model batch           large shape: sample by sample              toymodel.Model.lossGradRows    toymodel.TestLossGradMatchesReferenceBits
//	toy model batch           d_hidden = 2, gradient                     toymodel.lossGradH2            toymodel.TestLossGradMatchesReferenceBits
//	toy model batch           otherwise                                  toymodel.Model.lossGradSmall   toymodel.TestLossGradMatchesReferenceBits
//	SAE input projection      d_in = 2, uniform sparse singles           vec.ProjectD2                  sae.TestDrawHiddenSoAMatchesDrawHidden
//	SAE input projection      otherwise                                  toymodel.Model.GenerateProjected  sae.TestDrawHiddenSoAMatchesDrawHidden
//	rng.Lanes.FillFloat64     SIMD                                       rng.fillLanesSIMD              rng.TestLanesMatchStream
//	rng.Lanes.FillFloat64     otherwise                                  rng.fillLanesGo                rng.TestLanesMatchStream
//	vec.SelectLanes           SIMD                                       vec.selectLanesSIMD            vec.TestSelectLanesTwins, toymodel.TestDenseLanesSameBatch
//	vec.SelectLanes           otherwise                                  vec.selectLanesGo              vec.TestSelectLanesTwins, toymodel.TestDenseLanesSameBatch
//	toy model dense batch     SIMD, batch size a multiple of 8 (≥ 8)     toymodel.gen.denseSinglesLanes  toymodel.TestDenseLanesSameBatch
//	toy model dense batch     otherwise                                  toymodel.gen.denseSingles      toymodel.TestDenseLanesSameBatch, toymodel.TestGenerateBatchReference
//
// The toy model's "lanes shape" is n_features ≤ 32, d_hidden ≤ 8, n_features·d_hidden ≤ 128
// (toymodel.useLanes); its "large shape" is n_features ≥ 16 and d_hidden ≥ 8. Its lane rows
// fill the same accumulators with the same arithmetic: with SIMD over the features held
// feature-major (vec.ToyLanes), otherwise over the sparse batch, skipping the inactive
// features' zero terms (toymodel.lanesKernel), which is why vec.ToyLanes's plain twin runs only
// in tests.
