import BerthCommands

MonitorCommand.runAsTool(Array(CommandLine.arguments.dropFirst()))
