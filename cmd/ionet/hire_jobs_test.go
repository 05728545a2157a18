package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestHireShellJoin(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"python", "train.py", "--epochs=3"}, "python train.py --epochs=3"},
		{[]string{"sh", "-c", `echo "rank $IONET_RANK"`}, `sh -c 'echo "rank $IONET_RANK"'`},
		{[]string{"echo", "it's", ""}, `echo 'it'\''s' ''`},
	} {
		assert.Equal(t, c.want, shellJoin(c.args))
	}
}
