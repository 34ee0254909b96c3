// Package console shows a pipeline on a terminal: a run.Observer that draws one progress bar
// per training phase on stderr (a plain line every few seconds when stderr is not a terminal)
// and prints each finished run's results and the report's path on stdout.
//
// Invariants: results go to stdout and progress to stderr, so that piping stdout captures the
// results alone; --quiet prints only the report's path; every path is printed absolute.
package console
