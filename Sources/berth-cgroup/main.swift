import BerthCommands

CgroupCommand.runAsTool(Array(CommandLine.arguments.dropFirst()))
