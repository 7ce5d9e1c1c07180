/*
 * ccurses.c: the ncursesw side of rdmatop's interactive view (see include/CCurses.h).
 */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE 1
#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include "CCurses.h"

#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <ncursesw/curses.h>
#include <ncursesw/term.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>

static SCREEN *screen;
static FILE *input;
static int active;
static int colors_on;
static int default_colors;
static int exit_hook_registered;

struct style {
	int defined;
	attr_t mono;
	attr_t color;
};
static struct style styles[CC_MAX_STYLES];

void cc_setlocale(void)
{
	setlocale(LC_ALL, "");
}

int cc_unicode(void)
{
	const char *codeset = nl_langinfo(CODESET);
	return codeset && (strcasecmp(codeset, "UTF-8") == 0 || strcasecmp(codeset, "UTF8") == 0);
}

static void at_exit(void)
{
	cc_stop();
}

/*
 * A crash in the view (a Swift trap is SIGILL or SIGTRAP, abort() is SIGABRT) skips atexit.
 * Curses cannot run in a signal handler, so cc_start keeps what giving the terminal back
 * takes with async-signal-safe calls alone: its settings from before the view, and its own
 * strings that reset attributes, show the cursor, leave keypad mode and the alternate
 * screen. The handler writes those, restores the settings, then lets the signal end the
 * process: a fault through the action that was there before (Swift's backtracer), a signal
 * sent by another process with the default action.
 */
static const int crash_signals[] = { SIGILL, SIGTRAP, SIGABRT, SIGSEGV, SIGBUS, SIGFPE };
#define CRASH_SIGNALS ((int)(sizeof(crash_signals) / sizeof(crash_signals[0])))
static struct sigaction previous_actions[CRASH_SIGNALS];
static volatile sig_atomic_t crash_armed;
static struct termios saved_tty;
static int saved_tty_fd = -1;
static char leave_sequence[256];
static size_t leave_length;

static void on_crash(int sig, siginfo_t *info, void *context)
{
	int i;

	(void)context;
	if (crash_armed) {
		crash_armed = 0;
		if (leave_length)
			(void)!write(STDOUT_FILENO, leave_sequence, leave_length);
		if (saved_tty_fd >= 0)
			tcsetattr(saved_tty_fd, TCSANOW, &saved_tty);
	}
	if (info->si_code > 0 && sig != SIGTRAP) {
		/* A fault: returning runs the faulting instruction again, under the previous
		 * action (Swift's backtracer prints where, then the process dies of it). */
		for (i = 0; i < CRASH_SIGNALS; i++)
			if (crash_signals[i] == sig)
				sigaction(sig, &previous_actions[i], NULL);
		return;
	}
	/* Sent (kill, abort) or a breakpoint, which would not come again: die of it now. */
	signal(sig, SIG_DFL);
	raise(sig);
}

static void keep_sequence(const char *capability)
{
	char *value = tigetstr((char *)capability);
	size_t n;

	if (!value || value == (char *)-1)
		return;
	n = strlen(value);
	if (leave_length + n < sizeof(leave_sequence)) {
		memcpy(leave_sequence + leave_length, value, n);
		leave_length += n;
	}
}

/* Called with the terminal's settings as they were before curses touched them. */
static void arm_crash_handlers(int tty_fd, const struct termios *before)
{
	struct sigaction sa;
	int i;

	leave_length = 0;
	keep_sequence("sgr0");
	keep_sequence("cnorm");
	keep_sequence("rmkx");
	keep_sequence("rmcup");
	saved_tty_fd = before ? tty_fd : -1;
	if (before)
		saved_tty = *before;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_crash;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < CRASH_SIGNALS; i++)
		sigaction(crash_signals[i], &sa, &previous_actions[i]);
	crash_armed = 1;
}

static void disarm_crash_handlers(void)
{
	int i;

	if (!crash_armed)
		return;
	crash_armed = 0;
	for (i = 0; i < CRASH_SIGNALS; i++)
		sigaction(crash_signals[i], &previous_actions[i], NULL);
}

/* Ends curses mode and frees the screen and its input. */
static void release_screen(void)
{
	endwin();
	delscreen(screen);
	screen = NULL;
	if (input)
		fclose(input);
	input = NULL;
}

int cc_start(int want_colors)
{
	struct termios before;
	int fd, tty_fd, have_tty;

	if (active)
		return 0;
	cc_setlocale();
	input = NULL;
	fd = open("/dev/tty", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		input = fdopen(fd, "r");
		if (!input)
			close(fd);
	}
	tty_fd = isatty(STDOUT_FILENO) ? STDOUT_FILENO : -1;
	have_tty = tty_fd >= 0 && tcgetattr(tty_fd, &before) == 0;
	screen = newterm(NULL, stdout, input ? input : stdin);
	if (!screen) {
		if (input)
			fclose(input);
		input = NULL;
		return -1;
	}
	set_term(screen);
	/* A terminal that cannot move the cursor (TERM=dumb) cannot show the view. */
	{
		char *cup = tigetstr("cup");
		if (!cup || cup == (char *)-1) {
			release_screen();
			return -1;
		}
	}
	active = 1;
	arm_crash_handlers(tty_fd, have_tty ? &before : NULL);
	if (!exit_hook_registered) {
		atexit(at_exit);
		exit_hook_registered = 1;
	}
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	colors_on = 0;
	if (want_colors && has_colors() && start_color() == OK) {
		colors_on = 1;
		default_colors = use_default_colors() == OK;
	}
	memset(styles, 0, sizeof(styles));
	return 0;
}

void cc_stop(void)
{
	if (!active)
		return;
	active = 0;
	disarm_crash_handlers();
	curs_set(1);
	release_screen();
}

int cc_active(void)
{
	return active;
}

int cc_colors(void)
{
	return colors_on;
}

int cc_rows(void)
{
	return active ? getmaxy(stdscr) : 0;
}

int cc_cols(void)
{
	return active ? getmaxx(stdscr) : 0;
}

int cc_read_key(void)
{
	int ch;

	if (!active)
		return CC_KEY_NONE;
	ch = wgetch(stdscr);
	switch (ch) {
	case ERR: return CC_KEY_NONE;
	case KEY_UP: return CC_KEY_UP;
	case KEY_DOWN: return CC_KEY_DOWN;
	case KEY_LEFT: return CC_KEY_LEFT;
	case KEY_RIGHT: return CC_KEY_RIGHT;
	case KEY_PPAGE: return CC_KEY_PAGE_UP;
	case KEY_NPAGE: return CC_KEY_PAGE_DOWN;
	case KEY_HOME: return CC_KEY_HOME;
	case KEY_END: return CC_KEY_END;
	case KEY_ENTER: case '\n': case '\r': return CC_KEY_ENTER;
	case KEY_BACKSPACE: case 127: case 8: return CC_KEY_BACKSPACE;
	case KEY_BTAB: return CC_KEY_BACK_TAB;
	case KEY_DC: return CC_KEY_DELETE;
	case KEY_RESIZE: return CC_KEY_RESIZE;
	default:
		if (ch >= 0 && ch <= 255)
			return ch;
		return CC_KEY_OTHER;
	}
}

int cc_wait_input(int timeout_ms)
{
	struct pollfd pfd;

	pfd.fd = fileno(input ? input : stdin);
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (timeout_ms < 0)
		timeout_ms = 0;
	return poll(&pfd, 1, timeout_ms) > 0;
}

static attr_t attrs(int flags)
{
	attr_t a = A_NORMAL;

	if (flags & CC_ATTR_BOLD)
		a |= A_BOLD;
	if (flags & CC_ATTR_REVERSE)
		a |= A_REVERSE;
	if (flags & CC_ATTR_UNDERLINE)
		a |= A_UNDERLINE;
	if (flags & CC_ATTR_DIM)
		a |= A_DIM;
	return a;
}

void cc_define_style(int style, int fg, int bg, int color_attrs, int mono_attrs)
{
	if (style <= 0 || style >= CC_MAX_STYLES || !active)
		return;
	styles[style].defined = 1;
	styles[style].mono = attrs(mono_attrs);
	styles[style].color = attrs(color_attrs);
	if (colors_on && style < COLOR_PAIRS) {
		if (!default_colors) {
			if (fg < 0)
				fg = COLOR_WHITE;
			if (bg < 0)
				bg = COLOR_BLACK;
		}
		init_pair((short)style, (short)fg, (short)bg);
		styles[style].color |= COLOR_PAIR(style);
	}
}

void cc_erase(void)
{
	if (active)
		werase(stdscr);
}

void cc_draw(int row, int col, const char *utf8, int style)
{
	wchar_t buffer[1024];
	size_t n;
	int room, used = 0, i;
	attr_t a = A_NORMAL;

	if (!active || row < 0 || col < 0 || row >= getmaxy(stdscr) || col >= getmaxx(stdscr))
		return;
	n = mbstowcs(buffer, utf8, sizeof(buffer) / sizeof(buffer[0]) - 1);
	if (n == (size_t)-1)
		return;
	buffer[n] = 0;
	/* Cut at the right edge (never wrap onto the next line). */
	room = getmaxx(stdscr) - col;
	for (i = 0; buffer[i]; i++) {
		int w = wcwidth(buffer[i]);
		if (w < 0)
			buffer[i] = L'?', w = 1;
		if (used + w > room)
			break;
		used += w;
	}
	buffer[i] = 0;
	if (style > 0 && style < CC_MAX_STYLES && styles[style].defined)
		a = colors_on ? styles[style].color : styles[style].mono;
	wattrset(stdscr, a);
	mvwaddnwstr(stdscr, row, col, buffer, i);
	wattrset(stdscr, A_NORMAL);
}

void cc_refresh(void)
{
	if (active)
		wrefresh(stdscr);
}

