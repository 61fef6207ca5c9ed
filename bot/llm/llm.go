// Package llm phrases answers with a language model behind any
// OpenAI-compatible endpoint. The model only rewords: the items it may cite
// come from the knowledge base, the prompt demands that it cite them, and
// the engine throws away answers that cite nothing it was given.
package llm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"frontdoor/knowledge"
)

// Config selects the endpoint (OPENAI_BASE_URL, OPENAI_API_KEY, OPENAI_MODEL).
type Config struct {
	BaseURL string
	APIKey  string
	Model   string
	// Timeout bounds one request; the engine has its own, shorter budget.
	Timeout time.Duration
}

// Enabled reports whether enough is configured to use a model.
func (c Config) Enabled() bool { return c.BaseURL != "" && c.Model != "" }

// Phraser asks the model to rewrite a template answer.
type Phraser struct {
	client *openai.Client
	model  string
}

// New builds a phraser for an OpenAI-compatible endpoint.
func New(cfg Config) (*Phraser, error) {
	c, err := client(cfg, 10*time.Second)
	if err != nil {
		return nil, err
	}
	return &Phraser{client: c, model: cfg.Model}, nil
}

// client is a client of the configured endpoint; a request without a
// timeout of its own gets timeout.
func client(cfg Config, timeout time.Duration) (*openai.Client, error) {
	if !cfg.Enabled() {
		return nil, errors.New("llm: OPENAI_BASE_URL and OPENAI_MODEL are required")
	}
	if cfg.Timeout > 0 {
		timeout = cfg.Timeout
	}
	oc := openai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	oc.HTTPClient = &http.Client{Timeout: timeout}
	return openai.NewClientWithConfig(oc), nil
}

const system = `你是政务服务助手,为企业解答涉企政策问题。只能依据下面给出的政策条目回答,不得编造。
回答要求:简短、可操作;先写出与问题对应的具体时限或数额;写明牵头单位;
必须用“依据:《文件名》第N项「标题」”的格式引用所依据的条目(编号和标题照抄下面给出的)。
没有条目能回答时,照抄“参考答复”。`

// Phrase implements bot.Phraser.
func (p *Phraser) Phrase(ctx context.Context, question string, items []*knowledge.Item, draft string) (string, error) {
	var b strings.Builder
	for i, it := range items {
		fmt.Fprintf(&b, "条目%d:文件 %s,第%s项「%s」,牵头单位:%s\n%s\n\n", i+1, it.Doc, it.Number, it.Title,
			strings.Join(it.RoutingUnits(), "、"), it.Text)
	}
	fmt.Fprintf(&b, "参考答复:\n%s\n\n企业的问题:%s", draft, question)
	resp, err := p.client.CreateChatCompletion(ctx, openai.ChatCompletionRequest{
		Model:       p.model,
		Temperature: 0.2,
		//lint:ignore SA1019 max_tokens is what OpenAI-compatible servers other than OpenAI's own understand
		MaxTokens: 600,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: system},
			{Role: openai.ChatMessageRoleUser, Content: b.String()},
		},
	})
	if err != nil {
		return "", err
	}
	if len(resp.Choices) == 0 {
		return "", errors.New("llm: no choices in the response")
	}
	return strings.TrimSpace(resp.Choices[0].Message.Content), nil
}
