package closest

// stem returns the Porter stem of a lower-case word (M. F. Porter, "An
// algorithm for suffix stripping", 1980, with the two departures of his
// reference C code: -bli → -ble and -logi → -log). Words holding anything but
// a-z are returned unchanged: the algorithm knows only English.
func stem(w string) string {
	if len(w) <= 2 {
		return w
	}
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return w
		}
	}
	z := porter{b: []byte(w), k: len(w) - 1}
	z.step1ab()
	if z.k > 0 {
		z.step1c()
		z.step2()
		z.step3()
		z.step4()
		z.step5()
	}
	return string(z.b[:z.k+1])
}

// porter is the working state of one word: b[0..k] is the word as stripped so
// far and j marks the end of the stem once ends has matched a suffix.
type porter struct {
	b    []byte
	k, j int
}

// cons reports whether b[i] is a consonant.
func (z *porter) cons(i int) bool {
	switch z.b[i] {
	case 'a', 'e', 'i', 'o', 'u':
		return false
	case 'y':
		return i == 0 || !z.cons(i-1)
	}
	return true
}

// m counts the vowel-consonant sequences in b[0..j]: [C](VC){m}[V].
func (z *porter) m() int {
	n, i := 0, 0
	for {
		if i > z.j {
			return n
		}
		if !z.cons(i) {
			break
		}
		i++
	}
	i++
	for {
		for {
			if i > z.j {
				return n
			}
			if z.cons(i) {
				break
			}
			i++
		}
		i++
		n++
		for {
			if i > z.j {
				return n
			}
			if !z.cons(i) {
				break
			}
			i++
		}
		i++
	}
}

// vowelInStem reports whether b[0..j] holds a vowel.
func (z *porter) vowelInStem() bool {
	for i := 0; i <= z.j; i++ {
		if !z.cons(i) {
			return true
		}
	}
	return false
}

// doubleC reports whether b[i-1..i] is a double consonant.
func (z *porter) doubleC(i int) bool {
	return i >= 1 && z.b[i] == z.b[i-1] && z.cons(i)
}

// cvc reports whether b[i-2..i] is consonant-vowel-consonant with the last
// not w, x or y: the shape of short words such as hop, where a removed e
// is put back (hoping → hope).
func (z *porter) cvc(i int) bool {
	if i < 2 || !z.cons(i) || z.cons(i-1) || !z.cons(i-2) {
		return false
	}
	switch z.b[i] {
	case 'w', 'x', 'y':
		return false
	}
	return true
}

// ends reports whether b[0..k] ends with s, and sets j to the end of the stem.
func (z *porter) ends(s string) bool {
	n := len(s)
	if n > z.k+1 || string(z.b[z.k-n+1:z.k+1]) != s {
		return false
	}
	z.j = z.k - n
	return true
}

// setTo replaces b[j+1..k] with s.
func (z *porter) setTo(s string) {
	z.b = append(z.b[:z.j+1], s...)
	z.k = z.j + len(s)
}

// r replaces the suffix with s when the stem is long enough (m > 0).
func (z *porter) r(s string) {
	if z.m() > 0 {
		z.setTo(s)
	}
}

// step1ab removes plurals and -ed or -ing.
func (z *porter) step1ab() {
	if z.b[z.k] == 's' {
		switch {
		case z.ends("sses"):
			z.k -= 2
		case z.ends("ies"):
			z.setTo("i")
		case z.b[z.k-1] != 's':
			z.k--
		}
	}
	if z.ends("eed") {
		if z.m() > 0 {
			z.k--
		}
		return
	}
	if (z.ends("ed") || z.ends("ing")) && z.vowelInStem() {
		z.k = z.j
		switch {
		case z.ends("at"):
			z.setTo("ate")
		case z.ends("bl"):
			z.setTo("ble")
		case z.ends("iz"):
			z.setTo("ize")
		case z.doubleC(z.k):
			z.k--
			switch z.b[z.k] {
			case 'l', 's', 'z':
				z.k++
			}
		default:
			z.j = z.k
			if z.m() == 1 && z.cvc(z.k) {
				z.setTo("e")
			}
		}
	}
}

// step1c turns a terminal y into i when there is another vowel in the stem.
func (z *porter) step1c() {
	if z.ends("y") && z.vowelInStem() {
		z.b[z.k] = 'i'
	}
}

type suffix struct{ from, to string }

// step2Suffixes maps double suffixes to single ones, keyed by the
// penultimate letter as in the reference code.
var step2Suffixes = map[byte][]suffix{
	'a': {{"ational", "ate"}, {"tional", "tion"}},
	'c': {{"enci", "ence"}, {"anci", "ance"}},
	'e': {{"izer", "ize"}},
	'l': {{"bli", "ble"}, {"alli", "al"}, {"entli", "ent"}, {"eli", "e"}, {"ousli", "ous"}},
	'o': {{"ization", "ize"}, {"ation", "ate"}, {"ator", "ate"}},
	's': {{"alism", "al"}, {"iveness", "ive"}, {"fulness", "ful"}, {"ousness", "ous"}},
	't': {{"aliti", "al"}, {"iviti", "ive"}, {"biliti", "ble"}},
	'g': {{"logi", "log"}},
}

func (z *porter) step2() {
	for _, s := range step2Suffixes[z.b[z.k-1]] {
		if z.ends(s.from) {
			z.r(s.to)
			return
		}
	}
}

// step3Suffixes handles -ic-, -full, -ness and the like, keyed by the last letter.
var step3Suffixes = map[byte][]suffix{
	'e': {{"icate", "ic"}, {"ative", ""}, {"alize", "al"}},
	'i': {{"iciti", "ic"}},
	'l': {{"ical", "ic"}, {"ful", ""}},
	's': {{"ness", ""}},
}

func (z *porter) step3() {
	for _, s := range step3Suffixes[z.b[z.k]] {
		if z.ends(s.from) {
			z.r(s.to)
			return
		}
	}
}

// step4Suffixes are removed when the stem keeps m > 1, keyed by the
// penultimate letter.
var step4Suffixes = map[byte][]string{
	'a': {"al"},
	'c': {"ance", "ence"},
	'e': {"er"},
	'i': {"ic"},
	'l': {"able", "ible"},
	'n': {"ant", "ement", "ment", "ent"},
	'o': {"ion", "ou"},
	's': {"ism"},
	't': {"ate", "iti"},
	'u': {"ous"},
	'v': {"ive"},
	'z': {"ize"},
}

func (z *porter) step4() {
	for _, s := range step4Suffixes[z.b[z.k-1]] {
		if !z.ends(s) {
			continue
		}
		if s == "ion" && (z.j < 0 || (z.b[z.j] != 's' && z.b[z.j] != 't')) {
			continue
		}
		if z.m() > 1 {
			z.k = z.j
		}
		return
	}
}

// step5 removes a final -e and turns -ll into -l on long stems.
func (z *porter) step5() {
	z.j = z.k
	if z.b[z.k] == 'e' {
		a := z.m()
		if a > 1 || (a == 1 && !z.cvc(z.k-1)) {
			z.k--
		}
	}
	if z.b[z.k] == 'l' && z.doubleC(z.k) && z.m() > 1 {
		z.k--
	}
}
