// Package llm phrases answers with a language model behind any
// OpenAI-compatible endpoint. The model only rewords: the items it may cite
// come from the knowledge base, the prompt demands that it cite them, and
// the engine throws away answers that cite nothing it was given or state a
// figure the items do not. Personal data is masked in every request before
// it leaves, and a circuit breaker stops asking a model that keeps failing
// or timing out.
package llm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"github.com/sony/gobreaker/v2"

	"frontdoor/bot/privacy"
	"frontdoor/knowledge"
)

// Config selects the endpoint (OPENAI_BASE_URL, OPENAI_API_KEY, OPENAI_MODEL).
type Config struct {
	BaseURL string
	APIKey  string
	Model   string
	// Timeout bounds one request; the engine has its own, shorter budget.
	Timeout time.Duration
	// Failures is how many phrasings in a row may fail or time out before
	// the model is left alone for Cooldown, after which one request probes
	// it (defaults: DefaultFailures, DefaultCooldown).
	Failures int
	Cooldown time.Duration
}

// DefaultFailures and DefaultCooldown are the circuit breaker's defaults:
// five failures in a row open it for 30 s.
const (
	DefaultFailures = 5
	DefaultCooldown = 30 * time.Second
)

// A model that fails often without failing five times in a row opens the
// breaker too: half the requests of the last minute, once there were 20.
const (
	breakerWindow      = time.Minute
	breakerBucket      = 10 * time.Second
	breakerMinRequests = 20
)

// ErrOpen is returned, at once, while the circuit breaker keeps requests
// from a model that has been failing.
var ErrOpen = errors.New("llm: the model has been failing; not asked until the cool-down ends")

// Enabled reports whether enough is configured to use a model.
func (c Config) Enabled() bool { return c.BaseURL != "" && c.Model != "" }

// Phraser asks the model to rewrite a template answer.
type Phraser struct {
	client  *openai.Client
	model   string
	breaker *gobreaker.CircuitBreaker[string]
}

// New builds a phraser for an OpenAI-compatible endpoint.
func New(cfg Config) (*Phraser, error) {
	c, err := client(cfg, 10*time.Second)
	if err != nil {
		return nil, err
	}
	return &Phraser{client: c, model: cfg.Model, breaker: newBreaker(cfg)}, nil
}

// newBreaker opens after cfg.Failures failures in a row, or when most
// requests of the window failed, and lets one probe through after
// cfg.Cooldown. A request its caller cancelled says nothing of the model.
func newBreaker(cfg Config) *gobreaker.CircuitBreaker[string] {
	failures := uint32(DefaultFailures)
	if cfg.Failures > 0 {
		failures = uint32(cfg.Failures)
	}
	cooldown := DefaultCooldown
	if cfg.Cooldown > 0 {
		cooldown = cfg.Cooldown
	}
	return gobreaker.NewCircuitBreaker[string](gobreaker.Settings{
		Name:         "llm",
		MaxRequests:  1,
		Interval:     breakerWindow,
		BucketPeriod: breakerBucket,
		Timeout:      cooldown,
		ReadyToTrip: func(c gobreaker.Counts) bool {
			counted := c.TotalSuccesses + c.TotalFailures
			return c.ConsecutiveFailures >= failures || counted >= breakerMinRequests && 2*c.TotalFailures >= counted
		},
		IsExcluded: func(err error) bool { return errors.Is(err, context.Canceled) },
	})
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

// send masks personal data in every message of req, then sends it: every
// request to the model passes here. Numbers and addresses that public (the
// knowledge base's own text) states are published ones and stay.
func send(ctx context.Context, c *openai.Client, req openai.ChatCompletionRequest, public []string) (string, error) {
	msgs := make([]openai.ChatCompletionMessage, len(req.Messages))
	for i, m := range req.Messages {
		m.Content = privacy.MaskOutbound(m.Content, public...)
		if m.MultiContent != nil {
			parts := make([]openai.ChatMessagePart, len(m.MultiContent))
			for j, p := range m.MultiContent {
				p.Text = privacy.MaskOutbound(p.Text, public...)
				parts[j] = p
			}
			m.MultiContent = parts
		}
		msgs[i] = m
	}
	req.Messages = msgs
	resp, err := c.CreateChatCompletion(ctx, req)
	if err != nil {
		return "", err
	}
	if len(resp.Choices) == 0 {
		return "", errors.New("llm: no choices in the response")
	}
	return resp.Choices[0].Message.Content, nil
}

const system = `你是政务服务助手,为企业解答涉企政策问题。只能依据下面给出的政策条目回答,不得编造,不得改动或添加任何数字(时限、金额、比例、电话)。
回答要求:简短、可操作;先写出与问题对应的具体时限或数额;写明牵头单位;
必须用“依据:《文件标题》第N项「标题」”的格式引用所依据的条目(文件标题、编号和标题照抄下面给出的)。
没有条目能回答时,照抄“参考答复”。`

// Phrase implements bot.Phraser. Each item is named as the answer should
// cite it: 《document title》第N项「item title」.
func (p *Phraser) Phrase(ctx context.Context, question string, items []*knowledge.Item, docTitle func(*knowledge.Item) string, draft string) (string, error) {
	var b strings.Builder
	public := make([]string, 0, 4*len(items))
	for _, it := range items {
		title := ""
		if docTitle != nil {
			title = docTitle(it)
		}
		fmt.Fprintf(&b, "《%s》%s,牵头单位:%s\n%s\n\n", title, it.Label(), strings.Join(it.RoutingUnits(), "、"), it.Text)
		public = append(public, title, it.Number, it.Title, it.Text)
	}
	fmt.Fprintf(&b, "参考答复:\n%s\n\n企业的问题:%s", draft, question)
	req := openai.ChatCompletionRequest{
		Model:       p.model,
		Temperature: 0.2,
		//lint:ignore SA1019 max_tokens is what OpenAI-compatible servers other than OpenAI's own understand
		MaxTokens: 600,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: system},
			{Role: openai.ChatMessageRoleUser, Content: b.String()},
		},
	}
	text, err := p.breaker.Execute(func() (string, error) {
		text, err := send(ctx, p.client, req, public)
		if err != nil && errors.Is(ctx.Err(), context.Canceled) {
			// the caller gave up (not a deadline): the breaker leaves it out
			err = fmt.Errorf("%w: %w", context.Canceled, err)
		}
		return text, err
	})
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		return "", ErrOpen
	}
	return strings.TrimSpace(text), err
}
