// Package geometry is the feature-geometry experiment: a sweep of toy models of superposition
// over feature density, each model's dimensions per embedded feature m/‖W‖²_F and every
// feature's dimensionality D_f (reference-semantics §6.1; phase-diagrams §5), drawn as the
// §7.5 plot and, for chosen models, the §7.4 N-d feature plots (report.WriteGeometry).
//
// Two setups: Uniform, Elhage et al.'s n = 400 features of importance 1 in m = 30 dimensions,
// one model per density (each initialised as a model of its own, Xavier std with I = 1); and
// Reference, the reference's "feature geometry" row (20 instances of 200 features in 20
// dimensions, p = 20^(−linspace(0, 1, 20)), 10k steps). Both train with toymodel.Train (Adam
// by default; AdamW is a config option), so every result is deterministic from the seed and
// bit-identical for any GOMAXPROCS and in both builds.
//
// Expected (§7.5): m/‖W‖²_F is "sticky" at 1 for dense features and at 1/2 over a range of
// middle densities; the features' D cluster at the fractions of regular geometries: 3/4
// (tetrahedron), 2/3 (triangle), 1/2 (antipodal pair), 2/5 (pentagon), 3/8 (square antiprism),
// and 0 (not learned).
//
// Run trains and measures; Result.WriteFiles writes geometry.json and geometry.csv;
// Result.WriteReport writes the page.
package geometry
