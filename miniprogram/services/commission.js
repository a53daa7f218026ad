/** The health commission's figures (role commission_reviewer): business applications per institution and kind. */
const http = require('../utils/request')

const PATHS = {
  figures: '/registry/commission/figures',
}

/** {state_labels: {state: 中文}, items: [{institution_id, institution_name, kind, kind_title, total, counts}]}. */
const figures = ({ regionCode = null, kind = null, since = null, until = null } = {}) =>
  http.get(PATHS.figures, { region_code: regionCode, kind, since, until })

// Application kinds (FigureRowOut.kind) → the reviewer queue's kind (registry_<kind>).
const queueKind = (kind) => `registry_${kind}`

module.exports = { PATHS, figures, queueKind }
