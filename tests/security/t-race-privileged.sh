#!/bin/bash
# t-race again, on privileged VEs (--privileged yes).
VZKIT_PRIVILEGED=yes exec bash "$(dirname "$0")/t-race.sh"
