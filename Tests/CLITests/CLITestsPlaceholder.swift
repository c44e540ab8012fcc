// Tests of the CLI module.
