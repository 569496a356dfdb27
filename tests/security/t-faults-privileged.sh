#!/bin/bash
# t-faults again, on privileged VEs (--privileged yes).
VZKIT_PRIVILEGED=yes exec bash "$(dirname "$0")/t-faults.sh"
