// Package review is the full-screen review of drafts (`digest review`): the
// list of drafts with their flags, the selected draft beside or under the
// article's text with the evidence quotes highlighted, and keys to accept,
// reject, edit and regenerate a part. The work is done through Actions, so
// the screen can be driven in tests.
package review

import (
	"context"
	"fmt"
	"os/exec"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	"github.com/charmbracelet/bubbles/textinput"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"
)

// Item is one draft in the list.
type Item struct {
	ID    string
	Title string
	URL   string
	Flags []string // short labels: "to review (3)", "cut article"
}

// Detail is what the panes show of a draft.
type Detail struct {
	Markdown string   // the draft's markdown
	Notes    []string // what needs attention, one line each
	Article  string   // the article's extracted text
	Quotes   []string // evidence quotes, highlighted in Article
}

// Actions is what the review screen does to the workspace. Each call
// returns a one-line status for the user, or an error.
type Actions interface {
	List(ctx context.Context) ([]Item, error)
	Detail(ctx context.Context, id string) (Detail, error)
	Accept(ctx context.Context, id string) (string, error)
	Reject(ctx context.Context, id, reason string) (string, error)
	Regen(ctx context.Context, id, section, hint string) (string, error)
	// Edit returns the editor to run (the screen is suspended meanwhile)
	// and what to call once it exited.
	Edit(ctx context.Context, id string) (*exec.Cmd, func(runErr error) (string, error), error)
}

// Section is a part of a draft that can be regenerated, and its key.
type Section struct{ Key, Name string }

// Sections are the parts Regen takes, with their keys on the screen.
var Sections = []Section{{"h", "headline"}, {"s", "summary"}, {"k", "keywords"}, {"t", "themes"}, {"i", "signals"}}

// Options configure New.
type Options struct {
	Actions Actions
	// Context bounds the actions; a second Ctrl-C cancels it.
	Context context.Context
	// Render renders a draft's markdown width columns wide; nil shows the
	// markdown as it is, wrapped.
	Render func(markdown string, width int) string
}

type mode int

const (
	modeNormal  mode = iota
	modeConfirm      // accept? y/n
	modeReason       // typing a reject reason
	modeSection      // choosing the part to regenerate
	modeHint         // typing a hint for the regeneration
	modeHelp         // the full help
)

// wideWidth is the terminal width from which the draft and the article sit
// side by side; narrower, the article is under the draft.
const wideWidth = 110

// Model is the review screen, a bubbletea model.
type Model struct {
	actions Actions
	ctx     context.Context
	cancel  context.CancelFunc
	render  func(string, int) string

	width, height int
	items         []Item
	loaded        bool
	cursor        int
	listTop       int
	listH         int

	details map[string]Detail
	shown   string // id, widths of what the panes hold
	focus   int    // 0: draft pane, 1: article pane
	draftVP viewport.Model
	artVP   viewport.Model
	quotes  string // "3 of 4 quotes found"

	mode      mode
	input     textinput.Model
	section   string
	status    string
	statusErr bool
	busy      string
	quitAfter bool
	quitting  bool
	spin      spinner.Model
	help      help.Model
	keys      keyMap
	st        styles
}

// New returns the review screen.
func New(o Options) *Model {
	ctx := o.Context
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithCancel(ctx)
	in := textinput.New()
	in.CharLimit = 300
	in.Prompt = ""
	return &Model{
		actions: o.Actions,
		ctx:     ctx,
		cancel:  cancel,
		render:  o.Render,
		details: map[string]Detail{},
		draftVP: viewport.New(0, 0),
		artVP:   viewport.New(0, 0),
		input:   in,
		spin:    spinner.New(spinner.WithSpinner(spinner.Line)),
		help:    help.New(),
		keys:    newKeyMap(),
		st:      newStyles(),
	}
}

// Status is the last status line: what the last action did, or its error.
func (m *Model) Status() string { return m.status }

// Items are the drafts the list shows.
func (m *Model) Items() []Item { return m.items }

type listMsg struct {
	items []Item
	err   error
}

type doneMsg struct {
	status  string
	err     error
	changed string // the draft whose detail is stale
}

// Init loads the list of drafts.
func (m *Model) Init() tea.Cmd { return m.loadList() }

func (m *Model) loadList() tea.Cmd {
	actions, ctx := m.actions, m.ctx
	return func() tea.Msg {
		items, err := actions.List(ctx)
		return listMsg{items, err}
	}
}

// Update handles a message.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.Width = msg.Width
		m.layout()
	case listMsg:
		if msg.err != nil {
			m.setStatus(msg.err)
			break
		}
		sel := m.selected()
		m.items, m.loaded = msg.items, true
		for i, it := range m.items {
			if it.ID == sel {
				m.cursor = i
			}
		}
		m.cursor = max(0, min(m.cursor, len(m.items)-1))
		m.layout()
	case doneMsg:
		m.busy = ""
		m.setStatus(msg.err, msg.status)
		if msg.changed != "" {
			delete(m.details, msg.changed)
			m.shown = ""
		}
		if m.quitAfter {
			return m.quit()
		}
		return m, m.loadList()
	case spinner.TickMsg:
		if m.busy != "" {
			var cmd tea.Cmd
			m.spin, cmd = m.spin.Update(msg)
			return m, cmd
		}
	case tea.KeyMsg:
		return m.key(msg)
	}
	return m, nil
}

func (m *Model) setStatus(err error, status ...string) {
	m.statusErr = err != nil
	if err != nil {
		m.status = oneLine(err.Error())
		return
	}
	m.status = strings.Join(status, " ")
}

func (m *Model) selected() string {
	if m.cursor < len(m.items) {
		return m.items[m.cursor].ID
	}
	return ""
}

func (m *Model) quit() (tea.Model, tea.Cmd) {
	m.quitting = true
	return m, tea.Quit
}

func (m *Model) key(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	if k.Type == tea.KeyCtrlC {
		if m.busy != "" && !m.quitAfter {
			m.quitAfter = true
			m.status, m.statusErr = "quitting once "+m.busy+" is done: Ctrl-C again to stop it", false
			return m, nil
		}
		m.cancel()
		return m.quit()
	}
	switch m.mode {
	case modeConfirm:
		m.mode = modeNormal
		if s := k.String(); s == "y" || s == "Y" || s == "enter" {
			id := m.selected()
			return m, m.run("accepting", "", func() (string, error) { return m.actions.Accept(m.ctx, id) })
		}
		m.status, m.statusErr = "not accepted", false
		return m, nil
	case modeReason, modeHint:
		switch k.Type {
		case tea.KeyEsc:
			m.mode, m.status, m.statusErr = modeNormal, "cancelled", false
			return m, nil
		case tea.KeyEnter:
			text, id, section := m.input.Value(), m.selected(), m.section
			m.input.Blur()
			if m.mode == modeReason {
				m.mode = modeNormal
				return m, m.run("rejecting", "", func() (string, error) { return m.actions.Reject(m.ctx, id, text) })
			}
			m.mode = modeNormal
			return m, m.run("regenerating the "+section, id, func() (string, error) { return m.actions.Regen(m.ctx, id, section, text) })
		}
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(k)
		return m, cmd
	case modeSection:
		m.mode = modeNormal
		for _, s := range Sections {
			if k.String() == s.Key {
				m.section, m.mode = s.Name, modeHint
				return m, m.prompt("")
			}
		}
		m.status, m.statusErr = "cancelled", false
		return m, nil
	case modeHelp:
		m.mode = modeNormal
		return m, nil
	}

	ks := m.keys
	vp := &m.draftVP
	if m.focus == 1 {
		vp = &m.artVP
	}
	switch {
	case key.Matches(k, ks.Quit):
		if m.busy != "" {
			m.quitAfter = true
			m.status, m.statusErr = "quitting once "+m.busy+" is done", false
			return m, nil
		}
		return m.quit()
	case key.Matches(k, ks.Down):
		m.move(1)
	case key.Matches(k, ks.Up):
		m.move(-1)
	case key.Matches(k, ks.Tab):
		m.focus = 1 - m.focus
	case key.Matches(k, ks.PageDown):
		vp.ViewDown()
	case key.Matches(k, ks.PageUp):
		vp.ViewUp()
	case key.Matches(k, ks.HalfDown):
		vp.HalfViewDown()
	case key.Matches(k, ks.HalfUp):
		vp.HalfViewUp()
	case key.Matches(k, ks.Help):
		m.mode = modeHelp
	}
	if m.busy != "" || len(m.items) == 0 {
		return m, nil
	}
	id := m.selected()
	switch {
	case key.Matches(k, ks.Accept):
		m.mode = modeConfirm
	case key.Matches(k, ks.Reject):
		m.mode = modeReason
		return m, m.prompt("why (optional)")
	case key.Matches(k, ks.Regen):
		m.mode = modeSection
	case key.Matches(k, ks.Edit):
		cmd, done, err := m.actions.Edit(m.ctx, id)
		if err != nil {
			m.setStatus(err)
			return m, nil
		}
		m.busy = "editing"
		return m, tea.ExecProcess(cmd, func(runErr error) tea.Msg {
			s, err := done(runErr)
			return doneMsg{status: s, err: err, changed: id}
		})
	}
	return m, nil
}

func (m *Model) prompt(placeholder string) tea.Cmd {
	m.input.Reset()
	m.input.Placeholder = placeholder
	m.input.Width = max(m.width-40, 10)
	return m.input.Focus()
}

// run starts an action in the background; its status comes back as a
// doneMsg.
func (m *Model) run(busy, changed string, f func() (string, error)) tea.Cmd {
	m.busy = busy
	m.status, m.statusErr = "", false
	return tea.Batch(m.spin.Tick, func() tea.Msg {
		s, err := f()
		return doneMsg{status: s, err: err, changed: changed}
	})
}

func (m *Model) move(d int) {
	if len(m.items) == 0 {
		return
	}
	m.cursor = max(0, min(m.cursor+d, len(m.items)-1))
	m.layout()
}

// layout sizes the list and the panes for the window and fills the panes
// with the selected draft.
func (m *Model) layout() {
	if m.width == 0 || m.height == 0 {
		return
	}
	m.listH = max(1, min(len(m.items), max(3, (m.height-5)/4)))
	if m.cursor < m.listTop {
		m.listTop = m.cursor
	}
	if m.cursor >= m.listTop+m.listH {
		m.listTop = m.cursor - m.listH + 1
	}
	m.listTop = max(0, min(m.listTop, len(m.items)-m.listH))
	body := max(2, m.height-4-m.listH) // header, pane title, status, help
	if m.width >= wideWidth {
		dw := (m.width - 1) * 11 / 20
		m.draftVP.Width, m.draftVP.Height = dw, body
		m.artVP.Width, m.artVP.Height = m.width-1-dw, body
	} else {
		dh := (body - 1) / 2
		m.draftVP.Width, m.draftVP.Height = m.width, max(1, dh)
		m.artVP.Width, m.artVP.Height = m.width, max(1, body-1-dh)
	}
	m.fill()
}

// fill puts the selected draft in the panes, rendered for their widths.
func (m *Model) fill() {
	id := m.selected()
	key := fmt.Sprintf("%s/%d/%d", id, m.draftVP.Width, m.artVP.Width)
	if key == m.shown {
		return
	}
	if id == "" {
		m.draftVP.SetContent("")
		m.artVP.SetContent("")
		m.shown, m.quotes = key, ""
		return
	}
	d, ok := m.details[id]
	if !ok {
		var err error
		if d, err = m.actions.Detail(m.ctx, id); err != nil {
			m.setStatus(err)
			d = Detail{Notes: []string{"cannot be read: " + oneLine(err.Error())}}
		} else {
			m.details[id] = d
		}
	}
	var b strings.Builder
	for _, n := range d.Notes {
		lines := strings.Split(wrapText(n, nil, m.draftVP.Width-2, nil), "\n")
		for i, l := range lines {
			mark := "  "
			if i == 0 {
				mark = "! "
			}
			b.WriteString(m.st.flag.Render(mark+l) + "\n")
		}
	}
	if len(d.Notes) > 0 {
		b.WriteString("\n")
	}
	if m.render != nil {
		b.WriteString(strings.Trim(m.render(d.Markdown, m.draftVP.Width), "\n"))
	} else {
		b.WriteString(wrapText(d.Markdown, nil, m.draftVP.Width, nil))
	}
	m.draftVP.SetContent(b.String())
	m.draftVP.GotoTop()
	spans, found := findQuotes(d.Article, d.Quotes)
	aw := m.artVP.Width
	if lipgloss.ColorProfile() == termenv.Ascii {
		aw -= 2 // room for the « » marks
	}
	m.artVP.SetContent(wrapText(d.Article, spans, aw, m.highlight))
	m.artVP.GotoTop()
	m.quotes = ""
	if len(d.Quotes) > 0 {
		m.quotes = fmt.Sprintf("%d of %d quotes found", found, len(d.Quotes))
	}
	m.shown = key
}

// highlight marks an evidence quote: in colour, or between « » where the
// terminal shows none.
func (m *Model) highlight(s string) string {
	if lipgloss.ColorProfile() == termenv.Ascii {
		return "«" + s + "»"
	}
	return m.st.quote.Render(s)
}

// View draws the screen.
func (m *Model) View() string {
	if m.quitting {
		return ""
	}
	if m.width == 0 {
		return "digest review: loading…"
	}
	var rows []string
	n := len(m.items)
	head := fmt.Sprintf(" digest review · %d draft%s", n, plural(n))
	if n > 0 {
		head += fmt.Sprintf(" · %d/%d", m.cursor+1, n)
	}
	rows = append(rows, m.st.header.Render(pad(head, m.width)))
	rows = append(rows, m.listLines()...)
	if m.mode == modeHelp {
		rows = append(rows, m.fullHelp(m.height-len(rows)-2)...)
	} else {
		rows = append(rows, m.panes()...)
	}
	rows = append(rows, m.statusLine(), m.help.ShortHelpView(m.keys.ShortHelp()))
	for i, r := range rows {
		rows[i] = ansi.Truncate(r, m.width, "")
	}
	return strings.Join(rows, "\n")
}

func (m *Model) listLines() []string {
	if len(m.items) == 0 {
		msg := "  no drafts to review: make some with 'digest new URL' or 'digest batch FILE'"
		if !m.loaded {
			msg = "  loading…"
		}
		return []string{m.st.dim.Render(msg)}
	}
	var out []string
	for i := m.listTop; i < min(len(m.items), m.listTop+m.listH); i++ {
		it := m.items[i]
		mark := "  "
		if i == m.cursor {
			mark = "▸ "
		}
		flags := strings.Join(it.Flags, " · ")
		fw := 0
		if flags != "" {
			flags = ansi.Truncate(flags, max(m.width/2, 10), "…")
			fw = ansi.StringWidth(flags) + 2
		}
		id := it.ID
		if len(id) > 8 {
			id = id[:8]
		}
		title := ansi.Truncate(it.Title, max(m.width-len(mark)-len(id)-2-fw, 5), "…")
		line := mark + id + "  " + title
		if flags != "" {
			line = pad(line, m.width-fw) + "  " + m.st.flag.Render(flags)
		}
		if i == m.cursor {
			line = m.st.selected.Render(line)
		}
		out = append(out, line)
	}
	return out
}

// panes draws the draft and article panes with their title lines.
func (m *Model) panes() []string {
	title := func(name string, pane int, vp viewport.Model, extra string, w int) string {
		s := "── " + name
		if extra != "" {
			s += " · " + extra
		}
		if vp.TotalLineCount() > vp.Height {
			s += fmt.Sprintf(" %3.0f%%", vp.ScrollPercent()*100)
		}
		s += " "
		s = pad(s, w, '─')
		if pane == m.focus {
			return m.st.titleFocus.Render(s)
		}
		return m.st.title.Render(s)
	}
	if m.width >= wideWidth {
		head := title("draft", 0, m.draftVP, "", m.draftVP.Width) + "┬" + title("article", 1, m.artVP, m.quotes, m.artVP.Width)
		left := strings.Split(m.draftVP.View(), "\n")
		right := strings.Split(m.artVP.View(), "\n")
		rows := []string{head}
		for i := 0; i < m.draftVP.Height; i++ {
			l, r := "", ""
			if i < len(left) {
				l = left[i]
			}
			if i < len(right) {
				r = right[i]
			}
			rows = append(rows, pad(ansi.Truncate(l, m.draftVP.Width, ""), m.draftVP.Width)+"│"+r)
		}
		return rows
	}
	rows := []string{title("draft", 0, m.draftVP, "", m.width)}
	rows = append(rows, strings.Split(m.draftVP.View(), "\n")...)
	rows = append(rows, title("article", 1, m.artVP, m.quotes, m.width))
	return append(rows, strings.Split(m.artVP.View(), "\n")...)
}

func (m *Model) statusLine() string {
	switch m.mode {
	case modeConfirm:
		title := ""
		if m.cursor < len(m.items) {
			title = m.items[m.cursor].Title
		}
		return m.st.prompt.Render("accept “"+ansi.Truncate(title, max(m.width-24, 10), "…")+"”?") + " y/n"
	case modeReason:
		return m.st.prompt.Render("reject, reason:") + " " + m.input.View()
	case modeSection:
		var parts []string
		for _, s := range Sections {
			parts = append(parts, s.Key+" "+s.Name)
		}
		return m.st.prompt.Render("regenerate:") + " " + strings.Join(parts, " · ") + " · esc cancels"
	case modeHint:
		return m.st.prompt.Render("regenerate the "+m.section+", hint:") + " " + m.input.View()
	}
	if m.busy != "" {
		return m.spin.View() + " " + m.busy + "…"
	}
	if m.statusErr {
		return m.st.err.Render(m.status)
	}
	return m.status
}

func (m *Model) fullHelp(h int) []string {
	var rows []string
	for _, col := range m.keys.FullHelp() {
		for _, b := range col {
			rows = append(rows, fmt.Sprintf("  %-14s %s", b.Help().Key, b.Help().Desc))
		}
	}
	rows = append(rows, "", "  evidence quotes are highlighted in the article; any key closes this help")
	for len(rows) < h {
		rows = append(rows, "")
	}
	return rows[:max(h, 0)]
}

type keyMap struct {
	Up, Down, Tab, PageDown, PageUp, HalfDown, HalfUp key.Binding
	Accept, Reject, Edit, Regen, Help, Quit           key.Binding
}

func newKeyMap() keyMap {
	b := key.NewBinding
	k, h := key.WithKeys, key.WithHelp
	return keyMap{
		Up:       b(k("up", "k", "p"), h("↑/k", "previous")),
		Down:     b(k("down", "j", "n"), h("↓/j", "next")),
		Tab:      b(k("tab"), h("tab", "pane")),
		PageDown: b(k("pgdown", " ", "f"), h("pgdn/space", "scroll the pane down")),
		PageUp:   b(k("pgup", "b"), h("pgup/b", "scroll the pane up")),
		HalfDown: b(k("ctrl+d"), h("ctrl+d", "half a page down")),
		HalfUp:   b(k("ctrl+u"), h("ctrl+u", "half a page up")),
		Accept:   b(k("a"), h("a", "accept")),
		Reject:   b(k("r"), h("r", "reject")),
		Edit:     b(k("e"), h("e", "edit")),
		Regen:    b(k("g"), h("g", "regen")),
		Help:     b(k("?"), h("?", "help")),
		Quit:     b(k("q", "esc"), h("q", "quit")),
	}
}

// ShortHelp is the help line.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Down, k.Up, k.Accept, k.Reject, k.Edit, k.Regen, k.Tab, k.Help, k.Quit}
}

// FullHelp is the help screen.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Down, k.Up, k.Tab, k.PageDown, k.PageUp, k.HalfDown, k.HalfUp},
		{k.Accept, k.Reject, k.Edit, k.Regen, k.Help, k.Quit},
	}
}

type styles struct {
	header, selected, flag, dim, err, quote, title, titleFocus, prompt lipgloss.Style
}

func newStyles() styles {
	s := lipgloss.NewStyle
	return styles{
		header:     s().Bold(true).Reverse(true),
		selected:   s().Bold(true),
		flag:       s().Foreground(lipgloss.Color("3")),
		dim:        s().Faint(true),
		err:        s().Foreground(lipgloss.Color("1")),
		quote:      s().Background(lipgloss.Color("3")).Foreground(lipgloss.Color("0")),
		title:      s().Faint(true),
		titleFocus: s().Bold(true),
		prompt:     s().Bold(true),
	}
}

// pad fills s with c (a space by default) to width columns.
func pad(s string, width int, c ...rune) string {
	fill := " "
	if len(c) > 0 {
		fill = string(c[0])
	}
	if w := ansi.StringWidth(s); w < width {
		return s + strings.Repeat(fill, width-w)
	}
	return s
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
