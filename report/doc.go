// Package report renders saelab's results as one offline, self-contained HTML page: an
// optional cross-run comparison table, the toy model's features and hidden states (spec §7.1),
// per SAE run the training animation (§7.2), the frac_active plot (§7.3) and a table of
// metrics, the Figure-15 shrinkage scatter (§7.6), and the resolved config. docs/report.md
// explains the page to its readers.
//
// Invariants:
//   - The page loads nothing from the network: plotly.js is inlined (see report/assets) and
//     every figure is a JSON spec in the page, drawn by assets/app.js.
//   - The page is pure ASCII and deterministic: the same Input (with Generated set) renders
//     the same bytes, whatever GOMAXPROCS is.
//   - The package computes no result: the caller ranks the best instances (SAERun.Best) and
//     chooses the animation rows (SAERun.Rows); the report only selects, lays out and draws.
//     Its decisions about drawing (which points, axis limits, highlighted latents, which
//     records fit the byte budget) are made in Go, not in the page's script.
//   - Every figure fits a 1280 px wide window (maxFigureWidth); grids of instances wrap.
//   - Bad input is an error naming the field and the expected and actual shapes, never a
//     panic; NaN and ±Inf values give a page, not an error.
package report
