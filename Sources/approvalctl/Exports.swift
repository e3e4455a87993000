// The CLI support shared with `approvalctl-live` (console, exit codes, option groups, inputs) is
// used by every command file of this executable; importing it once here, for the whole module,
// keeps the command files free of a per-file import.
@_exported import ApprovalCLI
