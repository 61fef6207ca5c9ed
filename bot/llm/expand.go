package llm

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"frontdoor/knowledge"
)

// Drafter writes, for a document's items, the questions businesses would
// ask about them (doc2query), for a person to review before they reach the
// index: a model's questions can be off the item, or invent a figure.
type Drafter struct {
	client *openai.Client
	model  string
}

// NewDrafter builds a drafter for an OpenAI-compatible endpoint. Drafting
// is offline work, so a request may take longer than a phrasing's.
func NewDrafter(cfg Config) (*Drafter, error) {
	c, err := client(cfg, 90*time.Second)
	if err != nil {
		return nil, err
	}
	return &Drafter{client: c, model: cfg.Model}, nil
}

const draftSystem = `你在为政务服务平台整理“企业会怎么问”的问题库。给你一条政策条目,请写出企业主、个体户、厂长、会计在微信上会发来的消息,
这些消息都应由这条条目来回答。要求:
- 用企业自己的处境和说法,不要照抄文件里的口号和术语;短句、口语,可以有错别字、方言、表情、夹杂英文,也可以是一口气说完没有标点的长句;
- 大部分是提问(多久、多少钱、要什么材料、找谁、能不能、有没有),少数是遇到问题时的抱怨或请工作人员帮忙办;
- 条目有几个数字(时限、金额、比例)时,为每个企业会问到的数字写2条问题,问题里说出对应的条件(如有/无外部工程、低压/高压、一般/疑难);
- 只输出一个 JSON 对象:{"questions": ["…"], "figures": {"数字原文": ["…"]}},figures 的键必须照抄给出的数字原文。`

// draftReply is what the model is asked to return.
type draftReply struct {
	Questions []string            `json:"questions"`
	Figures   map[string][]string `json:"figures"`
}

// Draft asks the model for about n questions about one item.
func (d *Drafter) Draft(ctx context.Context, it *knowledge.Item, n int) (knowledge.ItemQuestions, error) {
	var figures []string
	for _, c := range it.Commitments {
		if !slices.Contains(figures, c.Text) {
			figures = append(figures, c.Text)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "地区:%s\n条目:第%s项「%s」\n牵头单位:%s\n", it.Region, it.Number, it.Title, strings.Join(it.RoutingUnits(), "、"))
	if len(figures) > 0 {
		fmt.Fprintf(&b, "数字原文:%s\n", strings.Join(figures, " | "))
	}
	fmt.Fprintf(&b, "条目全文:%s\n\n请写 %d 条消息。", it.Text, n)
	// The prompt is the item's own text, published: masking keeps all of it.
	public := append([]string{it.Region, it.Number, it.Title, it.Text}, figures...)
	content, err := send(ctx, d.client, openai.ChatCompletionRequest{
		Model:       d.model,
		Temperature: 0.9,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: draftSystem},
			{Role: openai.ChatMessageRoleUser, Content: b.String()},
		},
	}, public)
	if err != nil {
		return knowledge.ItemQuestions{}, err
	}
	var r draftReply
	if err := json.Unmarshal([]byte(jsonPart(content)), &r); err != nil {
		return knowledge.ItemQuestions{}, fmt.Errorf("llm: the reply is not the JSON object asked for: %w", err)
	}
	out := knowledge.ItemQuestions{Path: it.Path, Title: it.Title, Questions: cleanDrafts(r.Questions)}
	for fig, qs := range r.Figures {
		qs = cleanDrafts(qs)
		switch {
		case len(qs) == 0:
		case slices.Contains(figures, fig):
			if out.Figures == nil {
				out.Figures = map[string][]string{}
			}
			out.Figures[fig] = qs
		default:
			// a figure the item does not state: the questions may still be
			// good questions, the figure is not
			out.Questions = append(out.Questions, qs...)
		}
	}
	return out, nil
}

// jsonPart is the JSON object in a reply that may wrap it in a code fence
// or a sentence.
func jsonPart(s string) string {
	i, j := strings.Index(s, "{"), strings.LastIndex(s, "}")
	if i < 0 || j < i {
		return s
	}
	return s[i : j+1]
}

// cleanDrafts trims the drafts and drops empty, repeated and overlong ones.
func cleanDrafts(qs []string) []string {
	var out []string
	for _, q := range qs {
		q = strings.TrimSpace(q)
		if q == "" || len([]rune(q)) > 200 || slices.Contains(out, q) {
			continue
		}
		out = append(out, q)
	}
	return out
}
