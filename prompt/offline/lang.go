package offline

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// language is what the engine knows about one language: which words carry
// no topic (stop), how to fold inflections (stem), which words announce a
// change (cues, keyed by stem) and which words may sit inside a keyphrase
// ("terms of service").
type language struct {
	code    string
	stop    map[string]bool
	stem    func(string) string
	cues    map[string]float64
	bridge  map[string]bool
	generic map[string]bool // by stem: nouns too common to be a keyword alone
	// nounCaps: nouns, and only nouns and names, are capitalised (German),
	// so a keyphrase must end on a capitalised word.
	nounCaps bool
}

func identity(s string) string { return s }

func set(words string) map[string]bool {
	m := make(map[string]bool)
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// English stopwords are wider than a search engine's list: the keyphrase
// finder has no part-of-speech tagger, so common verbs, reporting words,
// calendar words and vague nouns are listed here to keep them from forming
// phrases like "company said" or "last week".
const englishStop = `a about above across after afterwards again against ago all almost alone along
already also although always am among amongst an and another any anyhow anyone anything anyway
anywhere are aren't around as at back be became because become becomes becoming been before
beforehand behind being below beside besides between beyond both but by can cannot can't could
couldn't did didn't do does doesn't doing don't done down due during each either else elsewhere
enough especially etc even ever every everyone everything everywhere except few for former
formerly from further had hadn't has hasn't have haven't having he he'd he'll her here hereby
herein hers herself him himself his how however i i'd i'll i'm i've ie if in indeed instead into
is isn't it it'll its itself just last latter least less let like likely made mainly make makes
making many may maybe me meanwhile might mine more moreover most mostly much must my myself
namely neither never nevertheless next no nobody none nor not nothing now nowhere of off often on
once one only onto or other others otherwise our ours ourselves out over own per perhaps quite
rather really same several shall she she'd she'll should shouldn't since so some somehow someone
something sometimes somewhat still such than that that's the their theirs them themselves then
thence there thereafter thereby therefore therein there's these they they'd they'll they're
they've this those though through throughout thus to together too toward towards under unless
until up upon us very via was wasn't we we'd we'll we're we've were weren't what whatever what's
when whence whenever where whereas whereby wherever whether which while who whoever whole whom
whose why will with within without won't would wouldn't yet you you'd you'll your you're yours
yourself yourselves you've
said say says saying told tell tells according added adds noted asked wrote explained stated
claimed believes believe believed think thinks thought know knows knew known see seen seems
seemed want wants wanted get gets got getting go goes going went gone come comes came coming
take takes took taken give gives gave given keep keeps kept put puts set sets use uses used using
include includes included including allow allows allowed lets need needs needed help helps
found find finds look looks looked show shows showed shown call calls called become began begin
far well also able new old good great big small large high low long short early late recent
recently currently former latest first second third other another certain various several
many much lot lots thing things way ways part parts kind sort number numbers type types
today yesterday tomorrow tonight week weeks month months year years day days time times
morning afternoon evening night decade decades century
monday tuesday wednesday thursday friday saturday sunday
january february march april june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec
percent per cent pct million millions billion billions trillion thousand thousands hundred
hundreds dozen dozens half
one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty
mr mrs ms dr prof st jr sr inc ltd co corp llc plc
company companies firm firms people person persons man men woman women group groups
mostly really actually simply clearly already likely unlikely around sure stay stayed try tried
feel felt seem hope hopefully love
yes no ok okay via vs etc eg ie`

const germanStop = `aber alle allem allen aller alles als also am an ander andere anderen anderer anderes
auch auf aus bei beim bereits bin bis bisher bist da dabei dadurch dafür dagegen daher damit
danach dann darauf darin darum das dass daß dazu dein deine dem den denen denn der deren des
deshalb dessen die dies diese diesem diesen dieser dieses doch dort du durch ein eine einem
einen einer eines einige einmal er es etwa euch euer eure für gegen gewesen hab habe haben hat
hatte hatten hier hin hinter ich ihm ihn ihnen ihr ihre ihrem ihren ihrer ihres im immer in ins
ist ja jede jedem jeden jeder jedes jedoch jetzt kann kein keine keinem keinen keiner können
könnte laut man mehr mein meine mit muss müssen nach nicht nichts noch nun nur ob oder ohne
rund schon sehr sei seien sein seine seinem seinen seiner seit sich sie sind so soll sollen
sollte sondern sowie über um und uns unser unsere unter viel viele vom von vor wann war waren
warum was weil weiter welche welchem welchen welcher welches wenn wer werde werden wie wieder
will wir wird wo wurde wurden zu zum zur zwar zwischen sagte sagt sagen erklärte heißt heute
gestern morgen jahr jahre jahren prozent millionen milliarden montag dienstag mittwoch
donnerstag freitag samstag sonntag januar februar märz april mai juni juli august september
oktober november dezember neue neuen neuer neues ersten erste zwei drei vier fünf zehn wollen
wollte wollten möchte möchten mitteilte teilte teilt berichtet berichtete beim noch nur`

const frenchStop = `a au aux avec ce ces cet cette comme dans de des du elle elles en est et été être
il ils je la le les leur leurs lui mais me même mes moi mon ne nos notre nous on ont ou où par
pas pour qu que qui sa se ses son sont sur ta te tes toi ton tu un une vos votre vous y d l c s
n j m qu' aussi avait avoir bien cela ces donc encore entre fait faire lors plus sans selon si
tout tous toute toutes très déjà depuis après avant alors ainsi afin chez dont elle ici leur`

const spanishStop = `a al algo algunos ante antes como con contra cual cuando de del desde donde
durante e el ella ellas ellos en entre era es esa esas ese eso esos esta estaba estas este
esto estos fue fueron ha han hasta hay la las le les lo los más me mi muy nada ni no nos o otra
otras otro otros para pero poco por porque que quien se sea ser si sido sin sobre su sus
también tanto te tiene tienen todo todos tu un una uno unos y ya según dijo año años además`

// Cue words for sentences that state a change. Strong cues (2) name the
// change itself; weak ones (1) hint at it. Listed as words and stemmed once,
// so "increases" and "increased" both match "increase".
const englishStrongCues = `will plan plans planned planning launch launches launched unveil unveiled
announce announced announces introduce introduced introduces ban bans banned banning prohibit
prohibits prohibited require requires required requiring mandate mandates mandated replace
replaces replaced replacing phase phased increase increased increases decrease decreased
decreases rise rises rose risen rising fall falls fell fallen falling grow grows grew grown
growing double doubled triple tripled halve halved surge surged soar soared plunge plunged jump
jumped climb climbed decline declined drop dropped cut cuts expand expanded expands shrink
shrank adopt adopted adopts switch switched shift shifted shifts transition start starts
started begin begins began begun stop stops stopped end ends ended record percent pct
overhaul overhauled scrap scrapped abolish abolished restrict restricted restricts outlaw`

const englishWeakCues = `new first allow allows allowed permit permits enable enables change changes
changed update updated updates move moves moved roll rollout pilot trial approve approved pass
passed vote voted sign signed invest invested investment fund funded accelerate accelerating
boost boosted reduce reduced reduces lower lowered raise raised more fewer less billion million
target targets goal deadline law rule rules regulation regulations policy policies longer
soon upcoming future emerging trend growth`

const germanStrongCues = `wird werden soll sollen plant planen geplant verbot verbietet verboten
verbieten steigt stieg steigen gestiegen sinkt sank sinken gesunken wächst wuchs erhöht erhöhen
senkt senken ersetzt ersetzen einführen eingeführt führt ausbau ausbauen verdoppelt prozent
rekord künftig startet beginnt umstellen umgestellt`

const germanWeakCues = `neu neue neuen neuer erste ersten erstmals mehr weniger milliarden millionen
ziel gesetz regel regeln pflicht pilot investiert`

// Nouns common to news of every kind. Alone they make poor keywords ("city",
// "official") though they belong in phrases ("city council"); the keyphrase
// score halves them, standing in for the document frequencies of a corpus
// the engine does not carry.
const englishGeneric = `area areas case cases city cities country countries state states world
official officials government report reports statement plan plans program programme system
systems service issue issues problem problems question questions member members side level
levels result results fact facts idea ideas example examples news story stories information
place places home homes life lives work job jobs business market markets industry family
families community group team head office point points end change changes move moves step
steps effort efforts decision decisions process way value values use user users customer
customers public region local national international president executive chief director
manager spokesperson spokesman spokeswoman analyst analysts expert experts researcher
researchers source sources role amount rate rates cost costs price prices money share
shares deal deals matter matters order thing`

func stemSet(stem func(string) string, words string) map[string]bool {
	m := make(map[string]bool)
	for _, w := range strings.Fields(words) {
		m[stem(w)] = true
	}
	return m
}

func cueMap(stem func(string) string, strong, weak string) map[string]float64 {
	m := make(map[string]float64)
	for _, w := range strings.Fields(weak) {
		m[stem(w)] = 1
	}
	for _, w := range strings.Fields(strong) {
		m[stem(w)] = 2
	}
	return m
}

var (
	english = &language{
		code:    "en",
		stop:    set(englishStop),
		stem:    stemEnglish,
		cues:    cueMap(stemEnglish, englishStrongCues, englishWeakCues),
		bridge:  set("of"),
		generic: stemSet(stemEnglish, englishGeneric),
	}
	german = &language{
		code:     "de",
		stop:     set(germanStop),
		stem:     identity,
		cues:     cueMap(identity, germanStrongCues, germanWeakCues),
		nounCaps: true,
	}
	french  = &language{code: "fr", stop: set(frenchStop), stem: identity}
	spanish = &language{code: "es", stop: set(spanishStop), stem: identity}

	languages = []*language{english, german, french, spanish}
)

// pickLanguage trusts the article's declared language when the engine knows
// it, else counts stopword hits in the opening words. Text in a language it
// does not know gets an empty stop list, filled later from the text's own
// most frequent short words.
func pickLanguage(hint, text string) *language {
	hint = strings.ToLower(hint)
	for _, l := range languages {
		if hint == l.code || strings.HasPrefix(hint, l.code+"-") || strings.HasPrefix(hint, l.code+"_") {
			return l
		}
	}
	hits := make([]int, len(languages))
	words := 0
	start := 0
	for i, r := range text {
		if unicode.IsLetter(r) || r == '\'' {
			continue
		}
		if i > start {
			w := strings.ToLower(text[start:i])
			words++
			for k, l := range languages {
				if l.stop[w] {
					hits[k]++
				}
			}
			if words >= 2000 {
				break
			}
		}
		start = i + utf8.RuneLen(r)
	}
	best := -1
	for k := range languages {
		if hits[k]*10 >= words && hits[k] > 0 && (best < 0 || hits[k] > hits[best]) {
			best = k
		}
	}
	if best < 0 {
		return &language{code: "", stop: map[string]bool{}, stem: identity}
	}
	return languages[best]
}
