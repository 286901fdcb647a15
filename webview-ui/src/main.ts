// The dashboard front end.
document.body.dataset['ready'] = 'true';
