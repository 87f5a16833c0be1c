# cmake/embed.cmake -- cmake -DIN=FILE -DOUT=FILE.c -DNAME=symbol -P embed.cmake:
# FILE's bytes as a C array NAME (NUL-terminated) and NAME_len, so that a
# data file the tool serves (data/openapi.json) is part of the binary.
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
get_filename_component(base "${IN}" NAME)
file(WRITE "${OUT}" "/* generated from ${base} by cmake/embed.cmake: do not edit */\n#include <stddef.h>\nextern const unsigned char ${NAME}[];\nextern const size_t ${NAME}_len;\nconst unsigned char ${NAME}[] = {\n${bytes}0x00};\nconst size_t ${NAME}_len = sizeof ${NAME} - 1;\n")
