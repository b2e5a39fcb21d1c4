// An extension page for the bench to call extension APIs from (tabs, action).
document.documentElement.dataset.ready = 'true';
