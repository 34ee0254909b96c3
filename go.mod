module saelab

go 1.26
