import BerthCommands

ConsoleCommand.runAsTool()
