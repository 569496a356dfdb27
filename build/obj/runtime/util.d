build/obj/runtime/util.o: runtime/util.c runtime/util.h
runtime/util.h:
