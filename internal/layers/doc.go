// Package layers holds the test of saelab's import rules (the one-way data flow of the package
// picture): the engine packages, which compute, know no files, terminals or pages; and nothing
// imports a command.
package layers
