"""`make demo`: the stack's recorded resource graph deployed onto an AWS emulator, the four flows played."""
