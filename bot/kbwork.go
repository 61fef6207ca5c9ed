package bot

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"frontdoor/bot/fault"
	"frontdoor/bot/kbedit"
	"frontdoor/bot/staff"
	"frontdoor/knowledge"
)

// Limits of a question an editor adds.
const (
	minQuestionRunes = 4
	maxQuestionRunes = 300
)

var (
	errNoItem        = fault.New(fault.NotFound, "no_item", "没有这个文件或条目")
	errNotYourRegion = fault.New(fault.Forbidden, "other_region", "只能修改本区域的知识库")
	errKnownQuestion = fault.New(fault.Conflict, "question_exists", "这个问题已在该条目下")
	errItemExists    = fault.New(fault.Conflict, "item_exists", "已有这个编号的条目")
	errKnownSynonyms = fault.New(fault.Conflict, "synonyms_exist", "这些词已在本区域的同一个同义词组中")
)

// maxSynonymWords bounds one group an editor adds: a group is a handful
// of ways to say one thing, and each member is matched in every question.
const maxSynonymWords = 30

// AddQuestion adds a business's wording as a question of an item, for
// its region's editors and admins: kept with who added it and when, and
// in every replica's knowledge base within seconds (the replicas rebuild
// when the edits move).
func (e *Engine) AddQuestion(ctx context.Context, u *staff.User, doc, item, text string) (kbedit.Edit, error) {
	text = strings.Join(strings.Fields(text), " ")
	if n := utf8.RuneCountInString(text); n < minQuestionRunes || n > maxQuestionRunes {
		return kbedit.Edit{}, fault.Invalidf("bad_question", "问题需为 %d–%d 个字", minQuestionRunes, maxQuestionRunes)
	}
	it, ok := e.kb().FindItem(strings.TrimSpace(doc), strings.TrimSpace(item))
	if !ok {
		return kbedit.Edit{}, errNoItem
	}
	if !u.CanEdit(it.Region) {
		return kbedit.Edit{}, errNotYourRegion
	}
	if slices.Contains(it.AllQuestions(), text) {
		return kbedit.Edit{}, errKnownQuestion
	}
	// An edit not yet in this replica's base counts too.
	edits, err := e.edits.All(ctx)
	if err != nil {
		return kbedit.Edit{}, e.storeErr(err)
	}
	if slices.ContainsFunc(edits, func(x kbedit.Edit) bool { return x.Doc == it.Doc && x.Path == it.Path && x.Text == text }) {
		return kbedit.Edit{}, errKnownQuestion
	}
	ed, err := e.edits.Add(ctx, kbedit.Edit{Kind: kbedit.KindQuestion, Doc: it.Doc, Path: it.Path, Item: it.Number,
		Region: it.Region, Text: text, By: u.Name, At: e.now()})
	return ed, e.storeErr(err)
}

// Edits are the knowledge-base edits of a region ("" for every region),
// newest first: the audit trail editors and managers read.
func (e *Engine) Edits(ctx context.Context, u *staff.User, region string) ([]kbedit.Edit, error) {
	if !u.CanEdit(region) && !u.CanReport(region) {
		return nil, errNotYourRegion
	}
	all, err := e.edits.All(ctx)
	if err != nil {
		return nil, e.storeErr(err)
	}
	out := []kbedit.Edit{}
	for i := len(all) - 1; i >= 0; i-- {
		if region == "" || all[i].Region == region {
			out = append(out, all[i])
		}
	}
	return out, nil
}

// KBEdits is the store of the editors' changes, for the code that builds
// the knowledge base with them.
func (e *Engine) KBEdits() *kbedit.Store { return e.edits }

// maxItemRunes bounds a curated item's text.
const maxItemRunes = 2000

// AddItem adds a curated item — a 免申即享 benefit, a 帮办代办 service, a
// hotline — to a region, for its editors and admins, checked as the
// catalogue is on load. Its id is made when none is given.
func (e *Engine) AddItem(ctx context.Context, u *staff.User, ci knowledge.CatalogueItem) (kbedit.Edit, error) {
	kb := e.kb()
	region, err := editorsRegion(kb, u, ci.Region)
	if err != nil {
		return kbedit.Edit{}, err
	}
	ci.Region, ci.ID = region, strings.TrimSpace(ci.ID)
	if msg := ci.Check(); msg != "" {
		return kbedit.Edit{}, fault.Invalidf("bad_item", "%s", msg)
	}
	if utf8.RuneCountInString(ci.Text) > maxItemRunes || utf8.RuneCountInString(ci.Title) > 200 {
		return kbedit.Edit{}, fault.Invalidf("item_too_long", "标题最多 200 字,正文最多 %d 字", maxItemRunes)
	}
	if ci.ID == "" {
		ci.ID = "ed-" + strconv.FormatInt(e.now().UnixMilli(), 36)
	}
	if _, taken := kb.Item(knowledge.ItemID(knowledge.CatalogueFile, ci.ID)); taken {
		return kbedit.Edit{}, errItemExists
	}
	edits, err := e.edits.All(ctx)
	if err != nil {
		return kbedit.Edit{}, e.storeErr(err)
	}
	if slices.ContainsFunc(edits, func(x kbedit.Edit) bool { return x.Curated != nil && x.Curated.ID == ci.ID }) {
		return kbedit.Edit{}, errItemExists
	}
	ed, err := e.edits.Add(ctx, kbedit.Edit{Kind: kbedit.KindItem, Doc: knowledge.CatalogueFile, Path: ci.ID, Item: ci.ID,
		Region: region, Text: ci.Title, By: u.Name, At: e.now(), Curated: &ci})
	return ed, e.storeErr(err)
}

// RetireItem takes a region's curated item out of use, for its editors
// and admins; the record of it stays in the audit trail.
func (e *Engine) RetireItem(ctx context.Context, u *staff.User, id string) (kbedit.Edit, error) {
	id = strings.TrimSpace(id)
	var region, title string
	if it, ok := e.kb().Item(knowledge.ItemID(knowledge.CatalogueFile, id)); ok && it.Source == "catalogue" {
		region, title = it.Region, it.Title
	} else { // added by an editor, perhaps not yet in this replica's base
		edits, err := e.edits.All(ctx)
		if err != nil {
			return kbedit.Edit{}, e.storeErr(err)
		}
		for _, x := range edits {
			if x.Curated != nil && x.Curated.ID == id {
				region, title = x.Curated.Region, x.Curated.Title
			}
		}
	}
	if region == "" {
		return kbedit.Edit{}, errNoItem
	}
	if !u.CanEdit(region) {
		return kbedit.Edit{}, errNotYourRegion
	}
	ed, err := e.edits.Add(ctx, kbedit.Edit{Kind: kbedit.KindRetire, Doc: knowledge.CatalogueFile, Path: id, Item: id,
		Region: region, Text: title, By: u.Name, At: e.now()})
	return ed, e.storeErr(err)
}

// AddSynonyms adds a synonym group to a region, for its editors and
// admins: the region's own words for a thing ("光谷", "东湖高新"), which
// change how that region's questions are read and no other region's.
// Checked as the synonyms file is on load; kept with who and when.
func (e *Engine) AddSynonyms(ctx context.Context, u *staff.User, region string, words []string) (kbedit.Edit, error) {
	kb := e.kb()
	r, err := editorsRegion(kb, u, region)
	if err != nil {
		return kbedit.Edit{}, err
	}
	var group []string
	for _, w := range words {
		if w = strings.Join(strings.Fields(w), " "); w != "" {
			group = append(group, w)
		}
	}
	if len(group) > maxSynonymWords {
		return kbedit.Edit{}, fault.Invalidf("bad_synonyms", "一组同义词最多 %d 个", maxSynonymWords)
	}
	if msg := (knowledge.SynonymGroup{Region: r, Words: group}).Check(); msg != "" {
		return kbedit.Edit{}, fault.Invalidf("bad_synonyms", "%s", msg)
	}
	within := func(g []string) bool {
		return !slices.ContainsFunc(group, func(w string) bool { return !slices.Contains(g, w) })
	}
	if slices.ContainsFunc(kb.Synonyms(r), within) {
		return kbedit.Edit{}, errKnownSynonyms
	}
	edits, err := e.edits.All(ctx)
	if err != nil {
		return kbedit.Edit{}, e.storeErr(err)
	}
	if slices.ContainsFunc(edits, func(x kbedit.Edit) bool { return x.Kind == kbedit.KindSynonyms && x.Region == r && within(x.Words) }) {
		return kbedit.Edit{}, errKnownSynonyms
	}
	ed, err := e.edits.Add(ctx, kbedit.Edit{Kind: kbedit.KindSynonyms, Region: r, Text: strings.Join(group, "、"),
		Words: group, By: u.Name, At: e.now()})
	return ed, e.storeErr(err)
}

// editorsRegion is the region an edit by u names (an alias resolved), or
// why it may not be edited: unknown, or not u's to edit.
func editorsRegion(kb *knowledge.Base, u *staff.User, region string) (string, error) {
	r, ok := kb.ResolveRegion(region)
	if !ok {
		return "", fault.Invalidf("unknown_region", "未知区域 %q", region)
	}
	if !u.CanEdit(r) {
		return "", errNotYourRegion
	}
	return r, nil
}
