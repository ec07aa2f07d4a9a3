import BerthCommands

CgroupCommand.runAsTool()
