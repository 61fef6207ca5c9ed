package wxproto

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
)

// flatDecoder collects the text of the root's direct children. It walks
// tokens itself, instead of using xml.Unmarshal, so it can refuse
// directives and excessive depth before doing any work on them.
type flatDecoder struct {
	lookup func(name string) *string // destination for a field, nil to skip
	depth  int                       // current nesting; the root is 1
	field  *string                   // field being filled, or nil
	text   []byte                    // text of the current field so far
	seen   []*string                 // fields filled, for duplicate detection
	closed bool                      // the root element has ended
}

// decodeFlat applies the package's XML limits to body and stores each
// recognised field through lookup.
func decodeFlat(body []byte, lookup func(name string) *string) error {
	if len(body) > MaxBodySize {
		return fmt.Errorf("%w: %d bytes", ErrTooLarge, len(body))
	}
	if scanFlat(body, lookup) {
		return nil
	}
	return decodeXML(body, lookup)
}

// decodeXML is decodeFlat with encoding/xml, for any body.
func decodeXML(body []byte, lookup func(name string) *string) error {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true // also rejects undeclared entities such as &nbsp;
	fd := flatDecoder{lookup: lookup}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return fd.finish()
		}
		if err != nil {
			return fmt.Errorf("%w: %v", ErrMalformedXML, err)
		}
		if err := fd.token(tok); err != nil {
			return err
		}
	}
}

func (fd *flatDecoder) token(tok xml.Token) error {
	switch t := tok.(type) {
	case xml.StartElement:
		return fd.start(t.Name)
	case xml.EndElement:
		fd.end()
	case xml.CharData:
		return fd.charData(t)
	case xml.Directive:
		return ErrDirective
	}
	// Comments and processing instructions carry no message data; the
	// decoder itself rejects an XML declaration with a non-UTF-8 encoding.
	return nil
}

func (fd *flatDecoder) start(name xml.Name) error {
	if fd.closed {
		return fmt.Errorf("%w: element after the root element", ErrMalformedXML)
	}
	fd.depth++
	if fd.depth > MaxDepth {
		return ErrTooDeep
	}
	switch {
	case fd.depth == 1:
		if name.Space != "" || name.Local != "xml" {
			return fmt.Errorf("%w, got <%.32s>", ErrBadRoot, name.Local)
		}
	case fd.field != nil:
		return fmt.Errorf("%w: element inside a text field", ErrMalformedXML)
	case fd.depth == 2 && name.Space == "":
		return fd.open(name.Local)
	}
	return nil
}

func (fd *flatDecoder) open(name string) error {
	dst := fd.lookup(name)
	if dst == nil {
		return nil
	}
	if slices.Contains(fd.seen, dst) {
		return fmt.Errorf("%w: <%s>", ErrDuplicateElement, name)
	}
	fd.seen = append(fd.seen, dst)
	fd.field = dst
	fd.text = fd.text[:0]
	return nil
}

func (fd *flatDecoder) end() {
	if fd.field != nil {
		*fd.field = string(fd.text)
		fd.field = nil
	}
	fd.depth--
	if fd.depth == 0 {
		fd.closed = true
	}
}

func (fd *flatDecoder) charData(t xml.CharData) error {
	switch {
	case fd.field != nil:
		// The decoder reuses t's memory; appending copies it. A CDATA
		// section split around "]]>" arrives as several tokens.
		fd.text = append(fd.text, t...)
	case fd.depth == 0 && len(bytes.TrimSpace(t)) > 0:
		return fmt.Errorf("%w: text outside the root element", ErrMalformedXML)
	}
	return nil
}

func (fd *flatDecoder) finish() error {
	if !fd.closed || fd.depth != 0 {
		return fmt.Errorf("%w: no complete <xml> root element", ErrMalformedXML)
	}
	return nil
}
