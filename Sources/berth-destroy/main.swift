import BerthCommands

DestroyCommand.runAsTool()
