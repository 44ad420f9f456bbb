// callintel dashboard: jump the audio player (and the transcript) to a moment; follow playback in the transcript.
(function () {
  "use strict";

  function utterance(index) {
    return document.getElementById("u-" + index);
  }

  function focus(row) {
    if (!row) return;
    document.querySelectorAll(".utt.current").forEach(function (el) { el.classList.remove("current"); });
    row.classList.add("current", "flash");
    row.scrollIntoView({ block: "center" });
    setTimeout(function () { row.classList.remove("flash"); }, 1300);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-jump]");
    if (!button) return;
    event.preventDefault();
    var player = document.getElementById("player");
    var seconds = parseFloat(button.dataset.t);
    if (player && !isNaN(seconds)) {
      player.currentTime = seconds;
      var playing = player.play();
      if (playing && playing.catch) playing.catch(function () {});
    }
    focus(utterance(button.dataset.u));
  });

  // Bar widths and colours come as data attributes: the CSP allows no inline style, but styles set from a script.
  function paint() {
    document.querySelectorAll("[data-width]").forEach(function (el) { el.style.width = el.dataset.width + "%"; });
    document.querySelectorAll("[data-colour]").forEach(function (el) { el.style.background = el.dataset.colour; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    paint();
    var player = document.getElementById("player");
    var linked = /^#u-\d+$/.test(location.hash) ? document.querySelector(location.hash) : null;
    if (linked) {  // a search hit or a shared link: show that line, and cue the recording to it
      focus(linked);
      if (player && linked.dataset.start) player.currentTime = parseFloat(linked.dataset.start);
    }
    if (!player) return;
    var rows = Array.prototype.slice.call(document.querySelectorAll(".utt[data-start]"));
    player.addEventListener("timeupdate", function () {
      var now = player.currentTime, current = null;
      rows.forEach(function (row) { if (parseFloat(row.dataset.start) <= now) current = row; });
      rows.forEach(function (row) { row.classList.toggle("current", row === current); });
    });
  });
})();
