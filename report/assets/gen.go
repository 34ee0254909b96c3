// Package assets holds what report inlines into every page, so a report loads
// nothing from the network: the vendored plotly.js bundle (fetched from npm by
// fetch.sh, pinned in plotly.version, checked against plotly.min.js.sha256),
// the page's script and its style sheet.
package assets

//go:generate bash fetch.sh

import _ "embed"

// PlotlyJS is the minified plotly.js bundle, verbatim.
//
//go:embed plotly.min.js
var PlotlyJS []byte

// PlotlySHA256 is the expected hex SHA-256 of PlotlyJS, as written by fetch.sh
// ("<hex>  plotly.min.js\n").
//
//go:embed plotly.min.js.sha256
var PlotlySHA256 string

// AppJS renders the page's figures from their JSON specs.
//
//go:embed app.js
var AppJS string

// StyleCSS is the page's style sheet.
//
//go:embed style.css
var StyleCSS string

// PlotlyVersion is the pinned "package@version" (plotly.version, written by fetch.sh).
//
//go:embed plotly.version
var PlotlyVersion string
