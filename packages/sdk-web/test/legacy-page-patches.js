// biome-ignore-all lint: written the way 2008-era libraries were, on purpose: this file plays one.
// What old libraries still found on shop pages do to JavaScript's built-ins, loaded before the
// widget: Prototype.js 1.6 (toJSON on the prototypes, Array.from = $A) and MooTools 1.2
// (Function.prototype.bind taking an array, enumerable additions to Object.prototype). A widget
// that relies on the standard behaviour of any of these breaks on such pages.
(() => {
  // Prototype.js: arrays and strings encode themselves, so JSON.stringify([1]) === '"[1]"'.
  Array.prototype.toJSON = function () {
    var parts = [];
    for (var i = 0; i < this.length; i++) parts.push(JSON.stringify(this[i]));
    return '[' + parts.join(', ') + ']';
  };
  String.prototype.toJSON = function () {
    return '"' + this + '"';
  };
  Number.prototype.toJSON = function () {
    return isFinite(this) ? this.toString() : 'null';
  };
  // Prototype.js's $A: array-likes only; iterables (Set, Map, NodeList entries) become [], and the
  // mapping callback is ignored.
  Array.from = (iterable) => {
    if (!iterable) return [];
    if (iterable.toArray) return iterable.toArray();
    var length = iterable.length || 0;
    var results = new Array(length);
    while (length--) results[length] = iterable[length];
    return results;
  };
  // MooTools 1.2: bind(thisArg, argsArray) — extra arguments are an array, not a list.
  var apply = Function.prototype.apply;
  Function.prototype.bind = function (bind, args) {
    var self = this;
    return function () {
      return apply.call(self, bind, args != null ? [].concat(args) : arguments);
    };
  };
  // Enumerable junk on Object.prototype, which breaks every for…in without hasOwnProperty.
  Object.prototype.extend = function (source) {
    for (var key in source) this[key] = source[key];
    return this;
  };
  window.legacyPatched = true;
})();
