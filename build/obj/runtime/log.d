build/obj/runtime/log.o: runtime/log.c runtime/util.h
runtime/util.h:
