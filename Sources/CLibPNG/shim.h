// libpng's simplified API (png_image_*): reads any PNG (palette, grey, RGB(A), 1–16 bits) into the format
// asked for and reports errors in png_image.message instead of longjmp, which Swift cannot catch.
#include <png.h>
