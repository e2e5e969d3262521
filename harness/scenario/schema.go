package scenario

import (
	"encoding/json"

	"github.com/invopop/jsonschema"
)

//go:generate go run ./gen ../../scenarios/schema.json

// Schema returns the JSON Schema of scenario files, generated from the Go
// types. With comments, the doc comments of the fields become descriptions;
// that reads this package's source and needs the working directory at the
// root of the source tree. Editors use it for completion through the
// yaml-language-server comment at the top of each scenario:
//
//	# yaml-language-server: $schema=../schema.json
func Schema(comments bool) ([]byte, error) {
	r := &jsonschema.Reflector{DoNotReference: false, ExpandedStruct: true, RequiredFromJSONSchemaTags: true}
	if comments {
		if err := r.AddGoComments("github.com/authquake/authquake", "./harness/scenario"); err != nil {
			return nil, err
		}
	}
	s := r.Reflect(&Scenario{})
	s.ID = "https://github.com/authquake/authquake/scenarios/schema.json"
	s.Title = "authquake scenario"
	return json.MarshalIndent(s, "", "  ")
}
