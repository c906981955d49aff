/* Private to src/json: every json_value is the first member of a json_node,
 * which also carries a container's capacity (for json_array_push /
 * json_object_set) and, for large objects, a hash index of its keys. */
#ifndef WICK_JSON_INTERNAL_H
#define WICK_JSON_INTERNAL_H

#include "json/json.h"

typedef struct json_node {
    json_value v;     /* must stay first: a json_value* is a json_node* */
    size_t cap;       /* allocated items/members */
    uint32_t *index;  /* objects: member index + 1 per slot (0 = empty), or NULL */
    size_t index_cap; /* slots, a power of two */
} json_node;

#endif
