/*
 * CCurses: the ncursesw calls the interactive view makes, as plain functions. Swift cannot
 * use ncurses' macros (COLOR_PAIR, getmaxyx, A_*, KEY_*), so this header hides curses.h
 * entirely: keys come back as CC_KEY_* codes or characters, and attributes are set through
 * a small table of styles the view defines.
 */
#ifndef CCURSES_H
#define CCURSES_H

/* Keys read_key returns besides characters (0..255); none is -1. */
#define CC_KEY_NONE (-1)
#define CC_KEY_UP 0x1001
#define CC_KEY_DOWN 0x1002
#define CC_KEY_LEFT 0x1003
#define CC_KEY_RIGHT 0x1004
#define CC_KEY_PAGE_UP 0x1005
#define CC_KEY_PAGE_DOWN 0x1006
#define CC_KEY_HOME 0x1007
#define CC_KEY_END 0x1008
#define CC_KEY_ENTER 0x1009
#define CC_KEY_BACKSPACE 0x100A
#define CC_KEY_BACK_TAB 0x100B
#define CC_KEY_RESIZE 0x100C
#define CC_KEY_DELETE 0x100D
#define CC_KEY_OTHER 0x10FF

/* Colors for cc_define_style (the eight ANSI colors; -1 is the terminal's default). */
#define CC_COLOR_DEFAULT (-1)
#define CC_COLOR_BLACK 0
#define CC_COLOR_RED 1
#define CC_COLOR_GREEN 2
#define CC_COLOR_YELLOW 3
#define CC_COLOR_BLUE 4
#define CC_COLOR_MAGENTA 5
#define CC_COLOR_CYAN 6
#define CC_COLOR_WHITE 7

/* Attribute flags for cc_define_style. */
#define CC_ATTR_BOLD 1
#define CC_ATTR_REVERSE 2
#define CC_ATTR_UNDERLINE 4
#define CC_ATTR_DIM 8

/* Styles: at most this many (0 is the terminal's default look). */
#define CC_MAX_STYLES 32

/*
 * Takes over the terminal: the locale from the environment (UTF-8), a screen on standard
 * output reading keys from /dev/tty (standard input when there is none), cbreak, noecho,
 * keypad, non-blocking reads, no cursor, a short Escape delay. Colors are started when the
 * terminal has them and want_colors is non-zero. Returns 0, or -1 when the terminal cannot
 * be used (unknown TERM, no terminal). Restoring is registered with atexit as well.
 */
int cc_start(int want_colors);
/* Gives the terminal back (endwin). Safe to call more than once, and without cc_start. */
void cc_stop(void);
/* Whether cc_start succeeded and cc_stop has not run. */
int cc_active(void);
/* Whether colors are in use. */
int cc_colors(void);
/* Whether the locale's character set is UTF-8 (after cc_start or cc_setlocale). */
int cc_unicode(void);
/* Sets the locale from the environment (done by cc_start). */
void cc_setlocale(void);

/* The screen size in rows and columns. */
int cc_rows(void);
int cc_cols(void);

/* The next key, or CC_KEY_NONE when none is waiting (never blocks). */
int cc_read_key(void);
/* Waits until a key may be ready or timeout_ms pass (poll on the input; a signal ends the
 * wait early). Returns 1 when input is ready, 0 otherwise. */
int cc_wait_input(int timeout_ms);

/* Defines style `style` (1..CC_MAX_STYLES-1): colors and attributes used when colors are
 * on, and attributes used in monochrome. */
void cc_define_style(int style, int fg, int bg, int color_attrs, int mono_attrs);
/* Clears the screen buffer (erase, not clear: ncurses sends only what changed). */
void cc_erase(void);
/* Writes UTF-8 text at (row, col) in a style; text running past the edge is cut. */
void cc_draw(int row, int col, const char *utf8, int style);
/* Sends the changes to the terminal. */
void cc_refresh(void);

#endif
