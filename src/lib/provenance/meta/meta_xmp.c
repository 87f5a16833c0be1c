/* meta_xmp.c -- provenance in an XMP packet, parsed with libxml2:
 *
 *   Iptc4xmpExt:DigitalSourceType  IPTC's digital source type (NewsCodes
 *       URI http://cv.iptc.org/newscodes/digitalsourcetype/<code>), as an
 *       attribute, element text or rdf:resource. trainedAlgorithmicMedia,
 *       compositeWithTrainedAlgorithmicMedia and algorithmicMedia say
 *       "AI-generated"; other codes (digitalCapture, ...) are reported
 *       without saying so.
 *   xmp:CreatorTool  a known generator's name (meta_gen.c's list).
 *
 * Untrusted XML is parsed safely: packets over max_meta_bytes and any
 * packet with a DTD (<!DOCTYPE / <!ENTITY: XMP never has one) are not
 * parsed at all; libxml2 runs with XML_PARSE_NONET, without entity
 * substitution or DTD loading, with its default depth and size limits
 * (no XML_PARSE_HUGE) and silent (NOERROR/NOWARNING). Bytes that are not
 * XML give no signal. The tree is walked iteratively. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include "provenance/meta/meta_internal.h"

#define NS_IPTC_EXT "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
#define NS_XMP "http://ns.adobe.com/xap/1.0/"
#define NS_RDF "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define DST_PREFIX "cv.iptc.org/newscodes/digitalsourcetype/"

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init(void)
{
    xmlInitParser();
}

static int is_ns(const xmlNs *ns, const char *href)
{
    return ns && ns->href && strcmp((const char *)ns->href, href) == 0;
}

/* A DigitalSourceType value: report its code. */
static void source_type(bw__meta *m, const char *value, const char *where)
{
    static const char *const ai_codes[] = {"trainedAlgorithmicMedia",
                                           "compositeWithTrainedAlgorithmicMedia",
                                           "algorithmicMedia"};
    const char *code = strstr(value, DST_PREFIX);
    char detail[256];
    int ai = 0;
    size_t len;
    code = code ? code + strlen(DST_PREFIX) : value;
    while (*code == ' ' || *code == '\n' || *code == '\t')
        code++;
    len = strcspn(code, " \t\r\n/#?");
    if (len == 0 || len > 64)
        return;
    for (size_t i = 0; i < sizeof ai_codes / sizeof ai_codes[0]; i++)
        if (strlen(ai_codes[i]) == len && memcmp(code, ai_codes[i], len) == 0)
            ai = 1;
    snprintf(detail, sizeof detail, "Iptc4xmpExt:DigitalSourceType = %.*s (%s)", (int)len, code,
             where);
    bw__meta_signal(m, BW_SIGNAL_IPTC, NULL, detail, ai, NULL);
}

static void creator_tool(bw__meta *m, const char *value, const char *where)
{
    int ai = 0;
    const char *gen = bw__meta_known_generator(value, &ai);
    char detail[256];
    if (!gen)
        return;
    snprintf(detail, sizeof detail, "xmp:CreatorTool = \"%.120s\" (%s)", value, where);
    bw__meta_signal(m, BW_SIGNAL_XMP, gen, detail, ai, NULL);
}

/* Look at one element: its attributes and, for the two properties we
 * read, its text or rdf:resource. */
static void visit(bw__meta *m, xmlNode *e, const char *where)
{
    for (xmlAttr *a = e->properties; a && m->st == BW_OK; a = a->next) {
        int dst = is_ns(a->ns, NS_IPTC_EXT) && strcmp((const char *)a->name, "DigitalSourceType") == 0;
        int tool = is_ns(a->ns, NS_XMP) && strcmp((const char *)a->name, "CreatorTool") == 0;
        xmlChar *v;
        if (!dst && !tool)
            continue;
        if (!(v = xmlNodeListGetString(e->doc, a->children, 1)))
            continue;
        if (dst)
            source_type(m, (const char *)v, where);
        else
            creator_tool(m, (const char *)v, where);
        xmlFree(v);
    }
    if (is_ns(e->ns, NS_IPTC_EXT) && strcmp((const char *)e->name, "DigitalSourceType") == 0) {
        xmlChar *v = xmlGetNsProp(e, (const xmlChar *)"resource", (const xmlChar *)NS_RDF);
        if (!v)
            v = xmlNodeGetContent(e);
        if (v)
            source_type(m, (const char *)v, where);
        xmlFree(v);
    } else if (is_ns(e->ns, NS_XMP) && strcmp((const char *)e->name, "CreatorTool") == 0) {
        xmlChar *v = xmlNodeGetContent(e);
        if (v)
            creator_tool(m, (const char *)v, where);
        xmlFree(v);
    }
}

void bw__meta_xmp(bw__meta *m, const uint8_t *xml, size_t n, const char *where)
{
    xmlDoc *doc;
    xmlNode *e;
    if (n == 0 || n > m->lim->max_meta_bytes || n > INT32_MAX)
        return;
    if (memmem(xml, n, "<!DOCTYPE", 9) || memmem(xml, n, "<!ENTITY", 8))
        return;
    pthread_once(&xml_once, xml_init);
    doc = xmlReadMemory((const char *)xml, (int)n, NULL, NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                            XML_PARSE_NOCDATA);
    if (!doc)
        return;
    /* depth-first, without recursion */
    e = xmlDocGetRootElement(doc);
    while (e && m->st == BW_OK) {
        if (e->type == XML_ELEMENT_NODE)
            visit(m, e, where);
        if (e->children && e->type == XML_ELEMENT_NODE) {
            e = e->children;
            continue;
        }
        while (e && !e->next)
            e = e->parent && e->parent->type == XML_ELEMENT_NODE ? e->parent : NULL;
        if (e)
            e = e->next;
    }
    xmlFreeDoc(doc);
}
