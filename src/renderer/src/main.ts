document.body.append("hi")
