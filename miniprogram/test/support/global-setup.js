// The page tests load TDesign from miniprogram_npm/: build it from node_modules first (a no-op when current).
module.exports = () => {
  require('../../scripts/build-npm')()
}
