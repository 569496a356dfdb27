#!/bin/bash
# The isolation battery again, on privileged VEs (--privileged yes: no user namespace). Where a
# privileged VE is weaker by design, the battery says so as a skip with the reason.
VZKIT_PRIVILEGED=yes exec bash "$(dirname "$0")/t-isolation.sh"
