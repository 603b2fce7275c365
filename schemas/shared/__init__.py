"""The shared helpers every layer above `emgen.schemas` may use: atomic outputs and YAML reading
(`io`), the bundle's readers and writers (`bundle`), progress reporting (`progress`), Markdown
tables (`markdown`), the plotting style (`plotting`), the one registry pattern (`registry`) and
the OpenAI-compatible client helpers (`openai_client`). They import only `emgen.schemas`."""
