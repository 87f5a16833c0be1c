/* bulwark/bulwark.h -- the umbrella header of libbulwark.
 *
 * libbulwark finds, blocks and reports child sexual abuse material by hash:
 * it decodes images, computes PDQ and file digests, matches them against
 * shared hash lists, guards generator prompts and reads provenance. Each
 * capability has its own small header; this one includes them all. */
#ifndef BULWARK_BULWARK_H
#define BULWARK_BULWARK_H

#include "version.h"
#include "status.h"
#include "limits.h"
#include "reader.h"
#include "digest.h"
#include "image.h"
#include "pdq.h"
#include "vpdq.h"
#include "sink.h"
#include "hash.h"
#include "json.h"
#include "text.h"
#include "walk.h"
#include "pool.h"
#include "prompt.h"
#include "archive.h"
#include "scan.h"
#include "queue.h"
#include "cluster.h"
#include "provenance.h"
#include "fetch.h"
#include "kinds.h"
#include "index.h"
#include "store.h"
#include "lists.h"
#include "match.h"
#include "auth.h"
#include "hma.h"
#include "service.h"

#endif
