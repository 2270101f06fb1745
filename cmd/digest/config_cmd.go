package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

type configOptions struct {
	json bool
}

func newConfigCmd(a *app) *cobra.Command {
	var o configOptions
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Print the effective settings and where each came from",
		Long: `Print every setting's effective value and its source: default, a config file,
an environment variable or a flag. The API key is never printed: only whether
it is set and from where.`,
		Args: argsN(0, 0),
		RunE: func(cmd *cobra.Command, args []string) error { return runConfig(a, o) },
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON")
	return cmd
}

func runConfig(a *app, o configOptions) error {
	c, err := a.config()
	if err != nil {
		return err
	}
	key, keySource, err := c.APIKey(a.Getenv, a.RunCommand)
	if err != nil {
		return err
	}
	keyState := "not set (looked in env " + c.Model.APIKeyEnv + ")"
	if key != "" {
		keyState = "set, from " + keySource
	}
	engine := c.Engine(key != "")
	if o.json {
		out := struct {
			Settings any    `json:"settings"`
			APIKey   string `json:"api_key"`
			Engine   string `json:"engine"`
		}{c.Settings(), keyState, engine}
		enc := json.NewEncoder(a.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
	for _, s := range c.Settings() {
		fmt.Fprintf(tw, "%s\t= %s\t# %s\n", s.Key, s.Value, s.Source)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err = fmt.Fprintf(a.Stdout, "\napi key: %s\nengine in use: %s\n", keyState, engine)
	return err
}
