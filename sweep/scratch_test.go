package sweep

import (
	"context"
	"fmt"
	"testing"
)

func TestScratch(t *testing.T) {
	f, err := Load("/tmp/sw/t/small.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cells, err := f.Cells()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cells {
		fmt.Println(c.Index, c.ID, c.Seed, c.Params, c.ModelKey, c.Cost, len(c.Runs), c.Runs[0].Name)
	}
	fmt.Println(Assign(cells, 3))
	res, err := Run(context.Background(), f, Options{Out: t.TempDir(), Observer: ObserverFunc(func(e Event) { fmt.Printf("%T %+v\n", e, e) })})
	fmt.Println(res, err)
}
