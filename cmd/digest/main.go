// Command digest turns links into entries of a horizon-scanning newsletter
// digest. See README.md.
package main

import "os"

func main() {
	os.Exit(Main(newSystemApp(), os.Args[1:]))
}
