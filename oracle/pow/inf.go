package pow

import "math"

var inf = math.Inf(1)
