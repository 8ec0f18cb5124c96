/* The progress bar of mcaudit verify, on stderr and only when stderr is a
 * terminal (a pipe or a file gets nothing):
 *
 *   [###########.............] 45% 123456/~274347 entries, 21034/s, 7 s left
 *
 * The number of entries is not known before the end of the stream, so the
 * share done and the time left come from the bytes read out of the file's
 * size. Redrawn at most every MCA_PROGRESS_INTERVAL_NS. */
#include <stdio.h>
#include <unistd.h>

#include "audit.h"

#define BAR_WIDTH 24

void mca_progress_start(mca_progress *p, uint64_t total_bytes)
{
    p->enabled = isatty(STDERR_FILENO) == 1 && total_bytes > 0;
    p->total_bytes = total_bytes;
    p->start_ns = mca_now_ns();
    p->last_ns = 0;
    p->drawn = false;
}

static void draw(mca_progress *p, uint64_t entries, uint64_t done_bytes, int64_t now)
{
    double done = done_bytes >= p->total_bytes ? 1.0 : (double)done_bytes / (double)p->total_bytes;
    double seconds = (double)(now - p->start_ns) / 1e9;
    double rate = seconds > 0 ? (double)entries / seconds : 0.0;
    char bar[BAR_WIDTH + 1];
    int filled = (int)(done * BAR_WIDTH);
    for (int i = 0; i < BAR_WIDTH; i++) {
        bar[i] = i < filled ? '#' : '.';
    }
    bar[BAR_WIDTH] = '\0';
    fprintf(stderr, "\r[%s] %3d%% %llu", bar, (int)(done * 100), (unsigned long long)entries);
    if (done > 0.0 && done < 1.0) {
        fprintf(stderr, "/~%.0f", (double)entries / done); /* the total, estimated */
    }
    fprintf(stderr, " entries, %.0f/s", rate);
    if (done > 0.0 && done < 1.0 && seconds >= 1.0) {
        fprintf(stderr, ", %.0f s left", seconds * (1.0 - done) / done);
    }
    fprintf(stderr, "\033[K");
    fflush(stderr);
    p->drawn = true;
}

void mca_progress_update(mca_progress *p, uint64_t entries, uint64_t done_bytes)
{
    if (!p->enabled) {
        return;
    }
    int64_t now = mca_now_ns();
    if (p->drawn && now - p->last_ns < MCA_PROGRESS_INTERVAL_NS) {
        return;
    }
    p->last_ns = now;
    draw(p, entries, done_bytes, now);
}

void mca_progress_finish(mca_progress *p)
{
    if (p->enabled && p->drawn) {
        fprintf(stderr, "\r\033[K");
        fflush(stderr);
    }
    p->drawn = false;
}
