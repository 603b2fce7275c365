"""The shared helpers every layer above `emgen.schemas` may use: atomic outputs and YAML reading
(`io`), the bundle's readers and writers (`bundle`), progress reporting (`progress`), Markdown
tables (`markdown`), the plotting style (`plotting`) and the one registry pattern
(`registry`). They import only `emgen.schemas`."""
