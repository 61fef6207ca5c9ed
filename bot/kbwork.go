package bot

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"frontdoor/bot/fault"
	"frontdoor/bot/kbedit"
	"frontdoor/bot/staff"
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
)

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
